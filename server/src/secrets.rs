//! Secrets at rest: AES-256-GCM under a key derived from the master key, so a
//! database dump holds no plaintext secret. Sealed text is `v1:` + base64 of
//! nonce ‖ ciphertext ‖ tag.

use aes_gcm::aead::{Aead, KeyInit, Nonce};
use aes_gcm::{Aes256Gcm, Key};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

pub fn seal(key: &[u8; 32], plaintext: &[u8]) -> anyhow::Result<String> {
    let mut nonce_bytes = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce_bytes);
    let nonce = Nonce::<Aes256Gcm>::from(nonce_bytes);
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    let ciphertext = cipher
        .encrypt(&nonce, plaintext)
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
}

pub fn open(key: &[u8; 32], sealed: &str) -> anyhow::Result<Vec<u8>> {
    let encoded = sealed.strip_prefix(PREFIX).context("not a sealed value")?;
    let bytes = STANDARD
        .decode(encoded)
        .context("sealed value is not base64")?;
    anyhow::ensure!(bytes.len() > NONCE_LEN, "sealed value too short");
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    // A failed tag: the value was altered, or the master key changed.
    cipher
        .decrypt(&nonce, ciphertext)
        .map_err(|_| anyhow::anyhow!("sealed value failed authentication (wrong master key?)"))
}

pub fn open_string(key: &[u8; 32], sealed: &str) -> anyhow::Result<String> {
    String::from_utf8(open(key, sealed)?).context("sealed value is not UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() -> anyhow::Result<()> {
        let key = [9u8; 32];
        let sealed = seal(&key, b"apiclient_key.pem contents")?;
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("apiclient"));
        assert_ne!(
            sealed,
            seal(&key, b"apiclient_key.pem contents")?,
            "a fresh nonce every time"
        );
        assert_eq!(open(&key, &sealed)?, b"apiclient_key.pem contents");
        assert!(
            open(&[8u8; 32], &sealed).is_err(),
            "another key cannot open it"
        );
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(&key, std::str::from_utf8(&tampered)?).is_err());
        Ok(())
    }
}
