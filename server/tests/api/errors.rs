//! Typed errors at the edge: a unique violation becomes its constraint's code and
//! field on SQLite and on PostgreSQL, and every listed constraint exists.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, Statement};
use server::entity::users;
use server::error::{AppError, UNIQUE_CONSTRAINTS};
use shared::error::ErrorCode;

use crate::helpers::{ADMIN, TestApp};

#[tokio::test]
async fn a_unique_violation_becomes_its_constraints_code_on_either_database() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let duplicate = users::ActiveModel {
        username: Set(ADMIN.into()),
        password_hash: Set("not-a-hash".into()),
        role: Set("admin".into()),
        enabled: Set(true),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let err = duplicate
        .insert(&app.db)
        .await
        .expect_err("the username is taken");
    let AppError::Api(api) = AppError::from(err) else {
        panic!("a unique violation is a client error, not an internal one");
    };
    assert_eq!(api.code, ErrorCode::UsernameTaken);
    assert!(api.field_message("username").is_some(), "{api:?}");
}

/// A row in `UNIQUE_CONSTRAINTS` whose index does not exist would never match:
/// PostgreSQL is checked by name, SQLite by the indexed columns.
#[tokio::test]
async fn every_mapped_unique_constraint_exists_in_the_schema() {
    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    for constraint in UNIQUE_CONSTRAINTS {
        let found = if app.config.is_sqlite() {
            let indexes = app
                .db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("PRAGMA index_list('{}')", constraint.table),
                ))
                .await
                .unwrap();
            let mut found = false;
            for index in indexes {
                let unique: i64 = index.try_get("", "unique").unwrap();
                let name: String = index.try_get("", "name").unwrap();
                let columns = app
                    .db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("PRAGMA index_info('{name}')"),
                    ))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.try_get::<String>("", "name").unwrap())
                    .collect::<Vec<_>>();
                found |= unique == 1 && columns == constraint.columns;
            }
            found
        } else {
            app.db
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT indexname FROM pg_indexes WHERE indexname = $1",
                    [constraint.name.into()],
                ))
                .await
                .unwrap()
                .is_some()
        };
        assert!(
            found,
            "no unique index {} on {}",
            constraint.name, constraint.table
        );
    }
}
