//! How the server opens a database transaction: one way, for both databases.
//!
//! On SQLite every transaction starts with `BEGIN IMMEDIATE`: it takes the
//! single write lock at once, waiting up to the busy timeout for it, so a
//! transaction that reads and then writes queues behind other writers instead
//! of failing half-way with SQLITE_BUSY (which reached members and staff as
//! "busy" 503s — found by the API fuzzer on users, settings and the check-in
//! sync). Readers outside transactions are not blocked (WAL). On PostgreSQL the
//! option is ignored and a transaction begins as usual.

use std::future::Future;

use sea_orm::{DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

/// `begin_write()`: the transaction every service and job uses.
pub trait WriteTransaction: TransactionTrait {
    /// Begins a transaction that may write (SQLite: `BEGIN IMMEDIATE`).
    ///
    /// # Errors
    /// The database's; on SQLite a busy timeout that expired while other
    /// writers held the lock (answered as `busy` 503 with Retry-After).
    fn begin_write(&self) -> impl Future<Output = Result<Self::Transaction, DbErr>> + Send;
}

impl<T: TransactionTrait> WriteTransaction for T {
    fn begin_write(&self) -> impl Future<Output = Result<Self::Transaction, DbErr>> + Send {
        self.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
    }
}
