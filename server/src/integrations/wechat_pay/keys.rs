//! The merchant's signing key and WeChat Pay's verification keys.

use std::collections::HashMap;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::{PrivateKey, PublicKey};

use super::WechatPayError;

/// The merchant API key (`apiclient_key.pem`) and the identity WeChat Pay knows it by.
#[derive(Debug, Clone)]
pub struct MerchantKey {
    pub mch_id: String,
    /// Serial number of the merchant API certificate; WeChat Pay picks our public key by it.
    pub serial: String,
    key: PrivateKey,
}

impl MerchantKey {
    pub fn from_pem(
        mch_id: impl Into<String>,
        serial: impl Into<String>,
        private_key_pem: &str,
    ) -> Result<Self, WechatPayError> {
        Ok(Self {
            mch_id: mch_id.into(),
            serial: serial.into(),
            key: private_key_from_pem(private_key_pem)?,
        })
    }

    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    pub fn public_key(&self) -> PublicKey {
        self.key.to_public_key()
    }
}

/// Reads a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM:
/// the merchant console issues the former, older tooling converts to the latter.
pub fn private_key_from_pem(pem: &str) -> Result<PrivateKey, WechatPayError> {
    let parsed = if is_pkcs1(pem) {
        PrivateKey::from_pkcs1_pem(pem).map_err(|e| e.to_string())
    } else {
        PrivateKey::from_pkcs8_pem(pem).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| WechatPayError::Crypto(format!("private key PEM: {e}")))
}

/// Reads an SPKI (`BEGIN PUBLIC KEY`, as WeChat Pay hands out) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`) PEM.
pub fn public_key_from_pem(pem: &str) -> Result<PublicKey, WechatPayError> {
    let parsed = if is_pkcs1(pem) {
        PublicKey::from_pkcs1_pem(pem).map_err(|e| e.to_string())
    } else {
        PublicKey::from_public_key_pem(pem).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| WechatPayError::Crypto(format!("public key PEM: {e}")))
}

fn is_pkcs1(pem: &str) -> bool {
    pem.trim_start().starts_with("-----BEGIN RSA ")
}

/// WeChat Pay's verification keys, by the id it puts in `Wechatpay-Serial`: a
/// `PUB_KEY_ID_…` in public-key mode, a platform certificate serial in certificate
/// mode. One map holds both because during the one-way migration responses and
/// callbacks arrive signed either way, and only the header says which.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: HashMap<String, PublicKey>,
}

impl PlatformKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// Public-key mode: the `PUB_KEY_ID_…` id and the public key PEM from the merchant console.
    pub fn with_public_key(
        self,
        key_id: &str,
        public_key_pem: &str,
    ) -> Result<Self, WechatPayError> {
        if !key_id.starts_with("PUB_KEY_ID_") {
            return Err(WechatPayError::Crypto(format!(
                "{key_id} is not a WeChat Pay public key id (PUB_KEY_ID_…)"
            )));
        }
        self.with_key(key_id, public_key_pem)
    }

    /// Certificate mode: a platform certificate's serial and its public key PEM
    /// (`openssl x509 -pubkey -noout` extracts it from the certificate).
    pub fn with_certificate_key(
        self,
        serial: &str,
        public_key_pem: &str,
    ) -> Result<Self, WechatPayError> {
        self.with_key(serial, public_key_pem)
    }

    fn with_key(mut self, id: &str, public_key_pem: &str) -> Result<Self, WechatPayError> {
        self.keys
            .insert(id.to_owned(), public_key_from_pem(public_key_pem)?);
        Ok(self)
    }

    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.get(id)
    }
}

/// A key pair as PEM text: PKCS#8 private key, SPKI public key.
#[derive(Debug, Clone)]
pub struct KeyPairPem {
    pub private_pem: String,
    pub public_pem: String,
}

/// A fresh 2048-bit pair, the size WeChat Pay issues, so the sandbox and tests
/// exercise the same signature lengths as production.
pub fn generate_key_pair() -> Result<KeyPairPem, WechatPayError> {
    let crypto = |e: &dyn std::fmt::Display| WechatPayError::Crypto(format!("key generation: {e}"));
    let key = PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(|e| crypto(&e))?;
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| crypto(&e))?;
    let public_pem = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| crypto(&e))?;
    Ok(KeyPairPem {
        private_pem: private_pem.as_str().to_owned(),
        public_pem,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub const MERCHANT_KEY_PEM: &str = include_str!("testdata/merchant_test_key.pem");
    pub const MERCHANT_KEY_PKCS1_PEM: &str = include_str!("testdata/merchant_test_key_pkcs1.pem");
    pub const PLATFORM_PUBLIC_KEY_PEM: &str = include_str!("testdata/platform_test_public_key.pem");
    pub const MCH_ID: &str = "1230000109";
    pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0112300001092024010100000000000001";

    pub fn merchant() -> Result<MerchantKey, WechatPayError> {
        MerchantKey::from_pem(MCH_ID, MERCHANT_SERIAL, MERCHANT_KEY_PEM)
    }

    #[test]
    fn pkcs8_and_pkcs1_pems_load_the_same_key() -> anyhow::Result<()> {
        assert_eq!(
            private_key_from_pem(MERCHANT_KEY_PEM)?,
            private_key_from_pem(MERCHANT_KEY_PKCS1_PEM)?
        );
        assert!(private_key_from_pem(PLATFORM_PUBLIC_KEY_PEM).is_err());
        Ok(())
    }

    #[test]
    fn platform_keys_are_found_by_their_serial() -> anyhow::Result<()> {
        let keys = PlatformKeys::new()
            .with_public_key(PUB_KEY_ID, PLATFORM_PUBLIC_KEY_PEM)?
            .with_certificate_key(
                "7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C",
                PLATFORM_PUBLIC_KEY_PEM,
            )?;
        assert!(keys.get(PUB_KEY_ID).is_some());
        assert!(
            keys.get("7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C")
                .is_some()
        );
        assert!(keys.get("PUB_KEY_ID_other").is_none());
        assert!(
            PlatformKeys::new()
                .with_public_key(
                    "7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C",
                    PLATFORM_PUBLIC_KEY_PEM
                )
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn generated_pairs_load_back() -> anyhow::Result<()> {
        let pair = generate_key_pair()?;
        let private = private_key_from_pem(&pair.private_pem)?;
        assert_eq!(
            private.to_public_key(),
            public_key_from_pem(&pair.public_pem)?
        );
        Ok(())
    }
}
