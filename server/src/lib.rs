//! The server: configuration, database, domain services with their JSON API,
//! jobs, and server-side rendering of the two Leptos apps.
#![recursion_limit = "256"]

pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod camps;
pub mod checkins;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod enrollments;
pub mod entity;
pub mod error;
pub mod extract;
pub mod integrations;
pub mod jobs;
pub mod keys;
pub mod outbox;
pub mod payments;
pub mod planet;
pub mod rate_limit;
pub mod redirect;
pub mod refunds;
pub mod request_id;
pub mod sandbox;
pub mod search;
pub mod secrets;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod state;
pub mod system;
pub mod uploads;
pub mod users;
pub mod wechat_oauth;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::FromRef;
use axum::routing::{get, post};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::jobs::JobQueue;
use crate::keys::Keys;
use crate::state::AppState;

/// A built server, bound to its port, not yet serving.
pub struct Application {
    pub state: AppState,
    pub addr: SocketAddr,
    /// Set when the first super admin was just created: (username, password).
    pub bootstrap_credentials: Option<(String, String)>,
    listener: TcpListener,
    router: Router,
}

pub async fn connect_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(if config.is_sqlite() { 8 } else { 20 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact(&url)))?;
    if config.is_sqlite() {
        // WAL lets readers go on while a writer works; the busy timeout queues writers instead of failing them.
        db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
        db.execute_unprepared("PRAGMA busy_timeout = 5000").await?;
    }
    Migrator::up(&db, None)
        .await
        .context("running migrations")?;
    Ok(db)
}

fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_user, host)) => format!(
            "{}@{host}",
            scheme_user.split(':').take(2).collect::<Vec<_>>().join(":")
        ),
        None => url.to_owned(),
    }
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let db = connect_database(&config).await?;
        let keys = Keys::load(config.auth.master_key.as_deref(), &config.data_dir)?;
        let bootstrap_credentials = users::service::bootstrap(
            &db,
            &config.bootstrap.admin_username,
            config.bootstrap.admin_password.as_deref(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the first super admin: {e}"))?
        // Print a password only when we made it up; a configured one is already known.
        .filter(|_| config.bootstrap.admin_password.is_none());
        if config.sandbox {
            settings::wechat_pay::ensure_sandbox(&db, &keys.secrets).await?;
            settings::zsxq::ensure_sandbox(&db, &keys.secrets).await?;
        } else if settings::load::<settings::wechat_pay::StoredWechatPay>(
            &db,
            settings::wechat_pay::KEY,
        )
        .await?
        .is_some_and(|(stored, _)| stored.sandbox)
        {
            anyhow::bail!(
                "生产模式（CAMP__SANDBOX=false）不能使用沙箱生成的微信支付密钥：请在系统设置中填写真实的商户配置，或先以沙箱模式启动并修改配置"
            );
        }
        settings::wechat_pay::check_production_public_url(&config).map_err(anyhow::Error::msg)?;
        let jobs = JobQueue::connect(&config).await?;
        let listener = TcpListener::bind(&config.server.bind)
            .await
            .with_context(|| format!("binding {}", config.server.bind))?;
        let addr = listener.local_addr()?;
        let mut config = config;
        if config.public_url.trim().is_empty() {
            config.public_url = listening_url(addr);
        }
        let leptos = leptos_options(addr);
        let self_url = format!("http://{addr}");
        let keys = Arc::new(keys);
        let state = AppState {
            sandbox: sandbox::SandboxState::new(db.clone(), keys.clone(), self_url.clone()),
            db,
            config: Arc::new(config),
            keys,
            jobs,
            leptos,
            self_url,
            instance: uuid::Uuid::new_v4().simple().to_string().into(),
            pay_gateway: Default::default(),
        };
        let router = router(state.clone());
        Ok(Self {
            state,
            addr,
            bootstrap_credentials,
            listener,
            router,
        })
    }

    /// Serves until `shutdown` resolves, with the job workers running beside.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_jobs, jobs_stopped) = tokio::sync::oneshot::channel::<()>();
        let context = jobs::JobContext::from_ref(&self.state);
        let workers = jobs::start(context, self.state.jobs.clone(), async move {
            let _ = jobs_stopped.await;
        })?;
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await?;
        let _ = stop_jobs.send(());
        let _ = workers.await;
        Ok(())
    }
}

/// `http://` and the bound address; an unspecified address (0.0.0.0, ::)
/// becomes loopback, the one address it surely answers on.
fn listening_url(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}")
}

fn leptos_options(addr: SocketAddr) -> leptos::config::LeptosOptions {
    let env = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
    leptos::config::LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "camp"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .reload_port(env("LEPTOS_RELOAD_PORT", "3001").parse().unwrap_or(3001))
        .build()
}

pub fn router(state: AppState) -> Router {
    let limit = rate_limit::layer(
        state.config.server.rate_limit_per_minute,
        state.config.server.trusted_proxies.clone(),
    );
    let api = match limit {
        Some(limit) => api::router().layer(limit),
        None => api::router(),
    };
    let mut router = Router::new()
        .route("/healthz", get(system::healthz))
        .route("/api/openapi.json", get(api::openapi_json))
        .route(
            payments::gateway::NOTIFY_PATH,
            post(payments::webhook::transaction_notification)
                .layer(DefaultBodyLimit::max(payments::webhook::BODY_LIMIT)),
        )
        .route(
            refunds::webhook::NOTIFY_PATH,
            post(refunds::webhook::refund_notification)
                .layer(DefaultBodyLimit::max(payments::webhook::BODY_LIMIT)),
        )
        .route(
            "/h5/m/{token}",
            get(enrollments::handlers::personal_link)
                .post(enrollments::handlers::confirm_personal_link),
        )
        .route("/h5/wechat-auth", get(wechat_oauth::handlers::wechat_auth))
        .route(
            "/h5/wechat-auth/callback",
            get(wechat_oauth::handlers::wechat_auth_callback),
        )
        .merge(api.clone());
    if state.config.sandbox {
        router = router.merge(sandbox::router());
    }
    #[cfg(feature = "ssr")]
    let router = ssr::mount(router, api, &state);
    // Compression outermost: the request-id layer reads error bodies uncompressed.
    request_id::apply(router.with_state(state)).layer(CompressionLayer::new())
}
