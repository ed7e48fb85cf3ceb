//! The WeChat Pay merchant settings (PRD §4.2.6.2). Secrets — the APIv3 key, the
//! merchant private key and the official-account secret — are sealed at rest.
//! In sandbox mode, first start generates a sandbox merchant and a sandbox
//! "WeChat Pay" with key pairs of their own; the real client then talks to the
//! built-in simulator exactly as it would to WeChat Pay.

use std::sync::OnceLock;

use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::integrations::wechat_pay::{KeyPairPem, generate_key_pair};
use crate::secrets;

pub const KEY: &str = "wechat_pay";
pub const SANDBOX_KEY: &str = "sandbox_wechat_pay";
pub const PRODUCTION_BASE_URL: &str = "https://api.mch.weixin.qq.com";
pub const PRODUCTION_OAUTH_AUTHORIZE_URL: &str =
    "https://open.weixin.qq.com/connect/oauth2/authorize";
pub const PRODUCTION_OAUTH_API_URL: &str = "https://api.weixin.qq.com";

/// Where WeChat Pay posts notifications: `public_url` + `path` in production
/// (which must be https, see `check_production_notify_url`); in sandbox mode an
/// https URL on this server's own address, which the built-in simulator
/// delivers over the local listener (WeChat Pay calls nothing but https).
pub fn notify_url(config: &Config, self_url: &str, path: &str) -> String {
    if config.sandbox {
        let host = self_url
            .split_once("://")
            .map_or(self_url, |(_, rest)| rest)
            .trim_end_matches('/');
        format!("https://{host}{path}")
    } else {
        format!("{}{path}", config.public_url.trim_end_matches('/'))
    }
}

/// WeChat Pay calls only https notify URLs (issue 6 item 18): in production the
/// public URL the notify URL is built from must be https, or the server refuses
/// to start with this message.
pub fn check_production_public_url(config: &Config) -> Result<(), String> {
    if config.sandbox || config.public_url.trim().starts_with("https://") {
        return Ok(());
    }
    Err(format!(
        "生产模式（CAMP__SANDBOX=false）下 CAMP__PUBLIC_URL 必须是 https 地址：微信支付只向 https 的通知地址发送支付结果（当前为 {}）",
        config.public_url
    ))
}

/// As stored: secret fields are sealed text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredWechatPay {
    pub mch_id: String,
    pub app_id: String,
    pub app_secret_sealed: String,
    pub api_v3_key_sealed: String,
    pub merchant_serial: String,
    pub merchant_private_key_sealed: String,
    /// Public-key mode; both empty when only certificates are used.
    pub platform_public_key_id: String,
    pub platform_public_key_pem: String,
    /// Certificate mode: WeChat Pay platform certificates' serials and public keys.
    #[serde(default)]
    pub platform_certificates: Vec<PlatformCertificate>,
    /// Empty: the real service (or, in sandbox mode, the built-in simulator).
    pub base_url: String,
    pub oauth_authorize_url: String,
    pub oauth_api_url: String,
    pub jsapi_enabled: bool,
    pub h5_enabled: bool,
    /// Generated for the sandbox; production refuses to start with these.
    pub sandbox: bool,
}

/// A WeChat Pay platform certificate, as far as verification needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCertificate {
    /// The certificate's serial number (upper-case hex), as in `Wechatpay-Serial`.
    pub serial: String,
    /// The certificate's public key, SPKI PEM.
    pub public_key_pem: String,
}

/// Reads the settings form's certificate text: each certificate as its serial
/// on a line of its own, then its public key PEM. Blank text is no certificate.
///
/// # Errors
/// A Chinese message naming the first entry that is not a hex serial followed
/// by a public key PEM, or a serial given twice.
pub fn parse_certificates(text: &str) -> Result<Vec<PlatformCertificate>, String> {
    let mut out: Vec<PlatformCertificate> = Vec::new();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    while let Some(serial) = lines.next() {
        let n = out.len() + 1;
        let valid_serial =
            (8..=64).contains(&serial.len()) && serial.chars().all(|c| c.is_ascii_hexdigit());
        if !valid_serial {
            return Err(format!(
                "第{n}个平台证书：应先写证书序列号（十六进制）单独一行，再写公钥 PEM"
            ));
        }
        let mut pem = Vec::new();
        for line in lines.by_ref() {
            pem.push(line);
            if line.starts_with("-----END ") {
                break;
            }
        }
        let pem = pem.join("\n");
        let serial = serial.to_ascii_uppercase();
        if crate::integrations::wechat_pay::keys::public_key_from_pem(&pem).is_err() {
            return Err(format!("平台证书 {serial} 的公钥不是有效的 PEM 公钥"));
        }
        if out.iter().any(|c| c.serial == serial) {
            return Err(format!("平台证书序列号 {serial} 重复"));
        }
        out.push(PlatformCertificate {
            serial,
            public_key_pem: pem + "\n",
        });
    }
    Ok(out)
}

/// The certificates as the settings form shows them (what [`parse_certificates`] reads).
pub fn format_certificates(certificates: &[PlatformCertificate]) -> String {
    certificates
        .iter()
        .map(|c| format!("{}\n{}", c.serial, c.public_key_pem.trim_end()))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// In production every address WeChat is reached at, or that WeChat calls,
/// is https (issue 6 item 18); the sandbox's simulator answers on this server's
/// own plain-http address. `None` when `url` may be saved.
pub fn https_required(config: &Config, label: &str, url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.starts_with("https://") {
        return None;
    }
    if !url.starts_with("http://") {
        return Some(format!("{label}应以 https:// 开头"));
    }
    (!config.sandbox).then(|| {
        format!("{label}必须是 https 地址：生产模式下不能使用未加密的 http 地址（当前为 {url}）")
    })
}

/// The sandbox simulator's side: WeChat Pay's own private key and what it knows of the merchant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSandbox {
    pub mch_id: String,
    pub app_id: String,
    pub app_secret_sealed: String,
    pub api_v3_key_sealed: String,
    pub merchant_serial: String,
    pub merchant_public_key_pem: String,
    pub platform_public_key_id: String,
    pub platform_private_key_sealed: String,
}

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Two 2048-bit key pairs take a moment to make; one process (and its tests) shares them.
fn sandbox_key_pairs() -> anyhow::Result<&'static (KeyPairPem, KeyPairPem)> {
    static PAIRS: OnceLock<(KeyPairPem, KeyPairPem)> = OnceLock::new();
    if let Some(pairs) = PAIRS.get() {
        return Ok(pairs);
    }
    let pairs = (generate_key_pair()?, generate_key_pair()?);
    Ok(PAIRS.get_or_init(|| pairs))
}

/// Creates the sandbox merchant and simulator settings unless settings exist.
pub async fn ensure_sandbox(
    db: &impl ConnectionTrait,
    secrets_key: &[u8; 32],
) -> anyhow::Result<()> {
    if super::load::<StoredWechatPay>(db, KEY).await?.is_some() {
        return Ok(());
    }
    let (merchant, platform) = sandbox_key_pairs()?;
    let api_v3_key = random_text(32);
    let app_secret = random_text(32);
    let mch_id = "1900000109".to_owned();
    let app_id = "wxsandbox00000001".to_owned();
    let serial = format!("SANDBOX{}", random_text(33)).to_uppercase();
    let public_key_id = format!("PUB_KEY_ID_SANDBOX{}", random_text(16));
    let seal = |text: &str| secrets::seal(secrets_key, text.as_bytes());
    let sandbox = StoredSandbox {
        mch_id: mch_id.clone(),
        app_id: app_id.clone(),
        app_secret_sealed: seal(&app_secret)?,
        api_v3_key_sealed: seal(&api_v3_key)?,
        merchant_serial: serial.clone(),
        merchant_public_key_pem: merchant.public_pem.clone(),
        platform_public_key_id: public_key_id.clone(),
        platform_private_key_sealed: seal(&platform.private_pem)?,
    };
    let ours = StoredWechatPay {
        mch_id,
        app_id,
        app_secret_sealed: seal(&app_secret)?,
        api_v3_key_sealed: seal(&api_v3_key)?,
        merchant_serial: serial,
        merchant_private_key_sealed: seal(&merchant.private_pem)?,
        platform_public_key_id: public_key_id,
        platform_public_key_pem: platform.public_pem.clone(),
        platform_certificates: Vec::new(),
        base_url: String::new(),
        oauth_authorize_url: String::new(),
        oauth_api_url: String::new(),
        jsapi_enabled: true,
        h5_enabled: true,
        sandbox: true,
    };
    super::save(db, SANDBOX_KEY, &sandbox, None).await?;
    super::save(db, KEY, &ours, None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_round_trip_through_the_form_text() -> anyhow::Result<()> {
        let a = generate_key_pair()?;
        let b = generate_key_pair()?;
        let text = format!(
            "7132d72a03e93cddf8c03bbd1f37eedf204e4b3c\n{}\n\n  5157F09EFDC096DE  \n{}",
            a.public_pem, b.public_pem
        );
        let parsed = parse_certificates(&text).map_err(anyhow::Error::msg)?;
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].serial, "7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C");
        assert_eq!(parsed[0].public_key_pem.trim(), a.public_pem.trim());
        assert_eq!(parsed[1].serial, "5157F09EFDC096DE");
        assert_eq!(
            parse_certificates(&format_certificates(&parsed)).map_err(anyhow::Error::msg)?,
            parsed
        );
        assert_eq!(parse_certificates("  \n"), Ok(Vec::new()));
        assert!(
            parse_certificates(&a.public_pem).is_err(),
            "a serial comes first"
        );
        assert!(parse_certificates("ABCDEF0123\nnot a key").is_err());
        let twice = format!("ABCDEF0123\n{}\nabcdef0123\n{}", a.public_pem, b.public_pem);
        assert!(parse_certificates(&twice).is_err());
        Ok(())
    }
}
