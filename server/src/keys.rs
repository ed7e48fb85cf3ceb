//! The master key and the keys derived from it. The master key comes from the
//! configuration (production) or from a key file created with mode 0600 in the
//! data directory on the first embedded run; each use gets its own derived key.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

const KEY_FILE: &str = "master.key";

#[derive(Clone)]
pub struct Keys {
    /// HMAC key for staff session tokens.
    pub session: [u8; 32],
    /// AES-256-GCM key for secrets stored in the database.
    pub secrets: [u8; 32],
}

impl Keys {
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let master = match configured {
            Some(text) => {
                decode(text).context("CAMP__AUTH__MASTER_KEY must be base64 of 32 bytes")?
            }
            None => load_or_create_key_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Self {
            session: derive(&master, b"camp staff session v1")?,
            secrets: derive(&master, b"camp secrets at rest v1")?,
        })
    }
}

fn decode(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD.decode(text.trim())?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected 32 bytes"))
}

fn load_or_create_key_file(path: &Path) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        let text =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return decode(&text)
            .with_context(|| format!("{} is not a valid key file", path.display()));
    }
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", STANDARD.encode(key))?;
    Ok(key)
}

fn derive(master: &[u8; 32], purpose: &[u8]) -> anyhow::Result<[u8; 32]> {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(None, master)
        .expand(purpose, &mut out)
        .map_err(|_| anyhow::anyhow!("key derivation failed"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_private_and_reused() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("camp-keys-{}", uuid::Uuid::new_v4()));
        fs::create_dir_all(&dir)?;
        let first = Keys::load(None, &dir)?;
        let second = Keys::load(None, &dir)?;
        assert_eq!(first.session, second.session);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(dir.join(KEY_FILE))?.permissions().mode() & 0o777,
                0o600
            );
        }
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn configured_key_must_be_32_bytes() {
        assert!(Keys::load(Some("c2hvcnQ="), Path::new("/nonexistent")).is_err());
        let good = STANDARD.encode([7u8; 32]);
        assert!(Keys::load(Some(&good), Path::new("/nonexistent")).is_ok());
    }
}
