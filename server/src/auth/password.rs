//! Argon2id password hashes and random passwords.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::distr::Alphanumeric;

/// An Argon2id hash (PHC string). Argon2 is deliberately slow (tens of ms of
/// CPU and 19 MiB), so it runs on a blocking thread, never on the async
/// runtime where it would stall every other request on that worker.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// Whether `password` matches the PHC `hash`; on a blocking thread like [`hash`].
pub async fn verify(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A password for a person to copy once: 16 letters and digits, at least one of each.
pub fn random() -> String {
    let mut rng = rand::rng();
    loop {
        let candidate: String = (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        if candidate.chars().any(|c| c.is_ascii_digit())
            && candidate.chars().any(|c| c.is_ascii_alphabetic())
        {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() -> anyhow::Result<()> {
        let first = hash("correct horse").await?;
        let second = hash("correct horse").await?;
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify("correct horse", &first).await);
        assert!(!verify("wrong horse", &first).await);
        assert!(!verify("correct horse", "not a hash").await);
        Ok(())
    }

    /// On the single-threaded test runtime a task spawned beside can only run
    /// while hashing if the hashing is off the runtime.
    #[tokio::test]
    async fn hashing_leaves_the_async_runtime_free() -> anyhow::Result<()> {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};

        let ticks = Arc::new(AtomicU32::new(0));
        let ticker = tokio::spawn({
            let ticks = Arc::clone(&ticks);
            async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        let stored = hash("correct horse").await?;
        let while_hashing = ticks.swap(0, Ordering::Relaxed);
        assert!(verify("correct horse", &stored).await);
        let while_verifying = ticks.load(Ordering::Relaxed);
        ticker.abort();
        assert!(
            while_hashing > 0,
            "the runtime ran other tasks while hashing"
        );
        assert!(
            while_verifying > 0,
            "the runtime ran other tasks while verifying"
        );
        Ok(())
    }

    #[test]
    fn random_passwords_pass_the_password_rule() {
        for _ in 0..20 {
            assert_eq!(shared::rules::validate_password(&random()), None);
        }
    }
}
