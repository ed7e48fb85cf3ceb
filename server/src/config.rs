//! Typed configuration: built-in defaults (the embedded sandbox setup), then an
//! optional TOML file (`CAMP_CONFIG`, else `camp.toml` if present), then
//! `CAMP__SECTION__KEY` environment overrides.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::client_addr::TrustedProxies;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Where the SQLite database, backups and the master key live.
    pub data_dir: PathBuf,
    /// Built-in fakes of the outside services and the "沙箱模式" banner.
    pub sandbox: bool,
    /// The address members and staff reach this site at; used in QR codes and
    /// links. Empty (the default): the address the server actually listens on.
    pub public_url: String,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub bootstrap: BootstrapConfig,
    pub auth: AuthConfig,
    pub backup: BackupConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerConfig {
    pub bind: String,
    /// Mark cookies `Secure`; turn on behind HTTPS.
    pub secure_cookies: bool,
    /// The reverse proxies in front of this server (addresses or CIDR ranges):
    /// only their `X-Forwarded-For` is believed, read from the right (see
    /// `client_addr`). Empty: the header is ignored.
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
    /// API requests per client address per minute (PRD §5.2); 0 turns the limit off.
    pub rate_limit_per_minute: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; defaults to `camp.db` in the data directory.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RedisConfig {
    /// When set, the job queue uses Redis instead of SQLite.
    pub url: Option<String>,
    /// Key prefix for the queue, so several deployments (or tests) can share a server.
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// The first super admin, created when there are no users at all.
    pub admin_username: String,
    /// Taken when set; otherwise a random password is printed once.
    pub admin_password: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    pub session_hours: i64,
    pub max_failed_logins: i32,
    pub lockout_minutes: i64,
    /// Base64 of 32 bytes; when unset, a key file in the data directory is used.
    pub master_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupConfig {
    /// Six-field cron expression (seconds first), in Beijing time.
    pub schedule: String,
    /// How many backup files to keep.
    pub keep: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            sandbox: true,
            public_url: String::new(),
            server: ServerConfig {
                bind: "127.0.0.1:3000".into(),
                secure_cookies: false,
                trusted_proxies: TrustedProxies::default(),
                rate_limit_per_minute: 100,
            },
            database: DatabaseConfig::default(),
            redis: RedisConfig::default(),
            bootstrap: BootstrapConfig {
                admin_username: "admin".into(),
                admin_password: None,
            },
            auth: AuthConfig {
                session_hours: 12,
                max_failed_logins: 5,
                lockout_minutes: 15,
                master_key: None,
            },
            backup: BackupConfig {
                schedule: "0 0 3 * * *".into(),
                keep: 7,
            },
        }
    }
}

impl Config {
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("CAMP_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("camp.toml"));
        Ok(Self::figment(&file)
            .extract::<Self>()
            .map_err(Box::new)?
            .without_empty_values())
    }

    /// `CAMP__DATABASE__URL=` and the like mean "not set", not "the empty string".
    pub fn without_empty_values(mut self) -> Self {
        for value in [
            &mut self.database.url,
            &mut self.redis.url,
            &mut self.redis.namespace,
            &mut self.bootstrap.admin_password,
            &mut self.auth.master_key,
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *value = None;
            }
        }
        self
    }

    pub fn figment(file: &Path) -> Figment {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("CAMP__").split("__"))
    }

    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("camp.db").display()
            ),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "camp.toml",
                "sandbox = false\n[server]\nbind = \"0.0.0.0:80\"\n",
            )?;
            jail.set_env("CAMP__SERVER__BIND", "127.0.0.1:9999");
            jail.set_env("CAMP__DATA_DIR", "/var/lib/camp");
            jail.set_env("CAMP__DATABASE__URL", "postgres://db/camp");
            jail.set_env("CAMP__SERVER__TRUSTED_PROXIES", "10.0.0.1,172.16.0.0/12");
            let config: Config = Config::figment(Path::new("camp.toml")).extract()?;
            assert_eq!(config.server.bind, "127.0.0.1:9999");
            assert!(!config.sandbox);
            assert_eq!(config.data_dir, PathBuf::from("/var/lib/camp"));
            assert!(!config.is_sqlite());
            assert_eq!(
                config.server.trusted_proxies.to_string(),
                "10.0.0.1/32,172.16.0.0/12"
            );
            Ok(())
        });
    }

    #[test]
    fn empty_environment_values_mean_unset() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CAMP__DATABASE__URL", "");
            jail.set_env("CAMP__BOOTSTRAP__ADMIN_PASSWORD", "");
            let config = Config::figment(Path::new("none.toml"))
                .extract::<Config>()?
                .without_empty_values();
            assert!(config.is_sqlite());
            assert_eq!(config.bootstrap.admin_password, None);
            Ok(())
        });
    }

    #[test]
    fn defaults_are_the_embedded_sandbox() {
        let config = Config::default();
        assert!(config.sandbox);
        assert!(config.is_sqlite());
        assert!(config.database_url().ends_with("camp.db?mode=rwc"));
    }
}
