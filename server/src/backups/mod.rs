//! Database backups. SQLite: `VACUUM INTO` writes a consistent copy into
//! `<data_dir>/backups` while the app keeps running. PostgreSQL: `pg_dump` (the
//! client must be installed) writes a plain SQL dump there. Only the newest
//! `backup.keep` files are kept.

pub mod handlers;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use shared::api::BackupDto;

use crate::audit::{self, Action, Actor, Target};
use crate::config::Config;
use crate::entity::users;

const PREFIX: &str = "camp-";

pub fn dir(config: &Config) -> PathBuf {
    config.data_dir.join("backups")
}

/// The database URL without its password, and the password (percent-decoded).
fn without_password(database_url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut url = reqwest::Url::parse(database_url).context("the database URL is not a URL")?;
    let password = url.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    url.set_password(None)
        .map_err(|()| anyhow::anyhow!("the database URL cannot carry a password"))?;
    Ok((url.to_string(), password))
}

/// Takes one backup now. Running it twice makes two copies and prunes, so a
/// redelivered job does no harm.
pub async fn run(
    db: &DatabaseConnection,
    config: &Config,
    requested_by: Option<i64>,
) -> anyhow::Result<PathBuf> {
    let dir = dir(config);
    tokio::fs::create_dir_all(&dir)
        .await
        .with_context(|| format!("creating {}", dir.display()))?;
    let stamp = Utc::now().format("%Y%m%d-%H%M%S-%3f");
    let path = if config.is_sqlite() {
        let path = dir.join(format!("{PREFIX}{stamp}.db"));
        let target = path.to_string_lossy().replace('\'', "''");
        db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await
            .context("VACUUM INTO")?;
        path
    } else {
        let path = dir.join(format!("{PREFIX}{stamp}.sql"));
        // The password goes through the environment: argv is visible to every
        // user of the machine (`ps`), and error text may echo it.
        let (url, password) = without_password(&config.database_url())?;
        let mut command = tokio::process::Command::new("pg_dump");
        command.arg("--no-owner").arg("--file").arg(&path).arg(url);
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
        let output = command
            .output()
            .await
            .context("running pg_dump (install the PostgreSQL client)")?;
        anyhow::ensure!(
            output.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        path
    };
    prune(&dir, config.backup.keep).await?;

    let actor = match requested_by {
        Some(id) => {
            use sea_orm::EntityTrait;
            let name = users::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            Actor {
                id: Some(id),
                name,
                ip: String::new(),
            }
        }
        None => Actor::system(),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    audit::record(
        db,
        &actor,
        Action::RunBackup,
        Target::system("数据库"),
        format!("备份完成：{file_name}"),
    )
    .await?;
    tracing::info!(path = %path.display(), "database backup written");
    Ok(path)
}

async fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut files = list_files(dir).await?;
    files.sort_by(|a, b| b.0.cmp(&a.0));
    for (name, _, _) in files.into_iter().skip(keep.max(1)) {
        tokio::fs::remove_file(dir.join(&name))
            .await
            .with_context(|| format!("removing old backup {name}"))?;
    }
    Ok(())
}

async fn list_files(dir: &Path) -> anyhow::Result<Vec<(String, u64, DateTime<Utc>)>> {
    let mut files = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e.into()),
    };
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX) {
            continue;
        }
        // A backup pruned between the listing and this look is simply gone, not an error.
        let meta = match entry.metadata().await {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e.into()),
        };
        let modified = meta
            .modified()
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|_| Utc::now());
        files.push((name, meta.len(), modified));
    }
    Ok(files)
}

/// Backups on disk, newest first.
pub async fn list(config: &Config) -> anyhow::Result<Vec<BackupDto>> {
    let mut files = list_files(&dir(config)).await?;
    files.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(files
        .into_iter()
        .map(|(file_name, size, created_at)| BackupDto {
            file_name,
            size,
            created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_dump_gets_the_password_apart_from_the_url() -> anyhow::Result<()> {
        let (url, password) = without_password("postgres://camp:s%40cret@db.internal:5432/camp")?;
        assert_eq!(url, "postgres://camp@db.internal:5432/camp");
        assert_eq!(password.as_deref(), Some("s@cret"));
        let (url, password) = without_password("postgres://postgres@127.0.0.1/test")?;
        assert_eq!(url, "postgres://postgres@127.0.0.1/test");
        assert_eq!(password, None);
        Ok(())
    }
}
