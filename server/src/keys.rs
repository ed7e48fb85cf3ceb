//! The master key and the keys derived from it. The master key comes from the
//! configuration (production) or from a key file created with mode 0600 in the
//! data directory on the first embedded run. Each use gets its own key, derived
//! with HKDF-SHA256 under a label naming the purpose, so a value made for one use
//! (an openid cookie, an OAuth state, a sealed setting) never opens as another.
//!
//! Upgrade note: the labels of the session and at-rest keys are the ones used
//! since the first release, so settings sealed before per-purpose keys still
//! open; the test `at_rest_key_is_stable_across_releases` pins that.

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
    /// AES-256-GCM key for secrets stored in the database (settings, raw notifications).
    pub secrets: [u8; 32],
    /// AES-256-GCM key for the member's sealed openid cookie (`wechat_oauth`).
    pub openid_cookie: [u8; 32],
    /// AES-256-GCM key for the OAuth round trip's browser-bound state cookie.
    pub oauth_state: [u8; 32],
}

/// HKDF `info` labels, one per purpose; never reuse or rename one (a rename is a key change).
const SESSION_LABEL: &[u8] = b"camp staff session v1";
const AT_REST_LABEL: &[u8] = b"camp secrets at rest v1";
const OPENID_COOKIE_LABEL: &[u8] = b"camp wechat openid cookie v1";
const OAUTH_STATE_LABEL: &[u8] = b"camp wechat oauth state v1";

impl Keys {
    pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let master = match configured {
            Some(text) => {
                decode(text).context("CAMP__AUTH__MASTER_KEY must be base64 of 32 bytes")?
            }
            None => load_or_create_key_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Self {
            session: derive(&master, SESSION_LABEL)?,
            secrets: derive(&master, AT_REST_LABEL)?,
            openid_cookie: derive(&master, OPENID_COOKIE_LABEL)?,
            oauth_state: derive(&master, OAUTH_STATE_LABEL)?,
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
    fn every_purpose_has_its_own_key() -> anyhow::Result<()> {
        let keys = Keys::load(Some(&STANDARD.encode([7u8; 32])), Path::new("/nonexistent"))?;
        let all = [
            keys.session,
            keys.secrets,
            keys.openid_cookie,
            keys.oauth_state,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        Ok(())
    }

    /// Settings rows sealed by earlier releases must still open: the at-rest and
    /// session keys for a fixed master key are pinned (HKDF-SHA256, no salt,
    /// computed independently with Python's hmac/hashlib).
    #[test]
    fn at_rest_key_is_stable_across_releases() -> anyhow::Result<()> {
        let keys = Keys::load(Some(&STANDARD.encode([7u8; 32])), Path::new("/nonexistent"))?;
        assert_eq!(STANDARD.encode(keys.secrets), PINNED_AT_REST);
        assert_eq!(STANDARD.encode(keys.session), PINNED_SESSION);
        Ok(())
    }

    const PINNED_AT_REST: &str = "LRo8xhPJH5yzpm5/N4FlvMnaU2qcFEqrjEc/Uifc1ls=";
    const PINNED_SESSION: &str = "qTu52bufp1cYQUANmX2k2nGMarKV5wqCxF/nuMBdgH8=";

    #[test]
    fn configured_key_must_be_32_bytes() {
        assert!(Keys::load(Some("c2hvcnQ="), Path::new("/nonexistent")).is_err());
        let good = STANDARD.encode([7u8; 32]);
        assert!(Keys::load(Some(&good), Path::new("/nonexistent")).is_ok());
    }
}
