//! `TestApp::spawn()`: the real server on a random port with a fresh database
//! and job queue — SQLite files by default; a fresh PostgreSQL database and a
//! private Redis queue when `CAMP_TEST_POSTGRES_URL` and `CAMP_TEST_REDIS_URL`
//! are set (CI sets both).

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde::Serialize;
use serde::de::DeserializeOwned;
use server::Application;
use server::config::Config;
use shared::api::{
    CampRequest, CreateUserRequest, LoginRequest, Me, UploadDto, UploadKind, UserDto,
};
use shared::error::ApiError;
use shared::roles::Role;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "Admin-pass-123";
pub const STAFF_PASSWORD: &str = "Staff-pass-123";

pub struct TestApp {
    pub base: String,
    pub state: server::state::AppState,
    pub db: DatabaseConnection,
    pub data_dir: PathBuf,
    pub config: Config,
    postgres: Option<(String, String)>,
}

pub fn postgres_url() -> Option<String> {
    std::env::var("CAMP_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

pub fn redis_url() -> Option<String> {
    std::env::var("CAMP_TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let id = unique();
        let data_dir = std::env::temp_dir().join(format!("camp-test-{id}"));
        let mut config = Config {
            data_dir: data_dir.clone(),
            ..Config::default()
        };
        config.server.bind = "127.0.0.1:0".into();
        // Every test client is 127.0.0.1; the limit has a test of its own.
        config.server.rate_limit_per_minute = 0;
        config.bootstrap.admin_username = ADMIN.into();
        config.bootstrap.admin_password = Some(ADMIN_PASSWORD.into());
        let mut postgres = None;
        if let Some(admin_url) = postgres_url() {
            let name = format!("camp_test_{id}");
            let admin = Database::connect(&admin_url)
                .await
                .expect("CAMP_TEST_POSTGRES_URL must reach PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("postgres url with a database name");
            config.database.url = Some(format!("{base}/{name}"));
            postgres = Some((admin_url, name));
        }
        if let Some(redis) = redis_url() {
            config.redis.url = Some(redis);
            config.redis.namespace = Some(format!("camp-test-{id}"));
        }
        adjust(&mut config);
        let app = Application::build(config.clone())
            .await
            .expect("server builds");
        let base = format!("http://{}", app.addr);
        let db = app.state.db.clone();
        let state = app.state.clone();
        tokio::spawn(app.run(std::future::pending()));
        Self {
            base,
            state,
            db,
            data_dir,
            config,
            postgres,
        }
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.base)
    }

    pub async fn admin(&self) -> Client {
        self.login(ADMIN, ADMIN_PASSWORD).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Client {
        let mut client = self.anonymous();
        let me: Me = client
            .post_json(
                "/api/v1/auth/login",
                &LoginRequest {
                    username: username.into(),
                    password: password.into(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{username} signs in: {e:?}"));
        client.csrf = Some(me.csrf_token);
        client
    }

    /// Creates a staff member with `STAFF_PASSWORD` and signs them in.
    pub async fn staff(&self, admin: &Client, username: &str, role: Role) -> (UserDto, Client) {
        let user: UserDto = admin
            .post_json(
                "/api/v1/users",
                &CreateUserRequest {
                    username: username.into(),
                    password: STAFF_PASSWORD.into(),
                    role,
                    enabled: true,
                },
            )
            .await
            .expect("create staff user");
        let client = self.login(username, STAFF_PASSWORD).await;
        (user, client)
    }

    pub async fn upload(&self, client: &Client, kind: UploadKind) -> UploadDto {
        client
            .upload(kind, png_bytes(), "image/png")
            .await
            .expect("upload image")
    }

    /// A valid camp starting tomorrow, with fresh uploads and the given coach.
    pub async fn camp_request(&self, admin: &Client, coach_id: i64) -> CampRequest {
        let poster = self.upload(admin, UploadKind::Poster).await;
        let qr = self.upload(admin, UploadKind::GroupQr).await;
        let today = shared::dates::business_date(chrono::Utc::now());
        CampRequest {
            name: "21天早起训练营".into(),
            poster_upload_id: Some(poster.id),
            group_qr_upload_id: Some(qr.id),
            deposit_fen: 9900,
            start_date: today.succ_opt(),
            end_date: today.checked_add_days(chrono::Days::new(10)),
            total_days: 10,
            required_days: 7,
            intro_html: "<p>每天<b>早起</b>打卡</p>".into(),
            coach_ids: vec![coach_id],
            volunteer_ids: vec![],
            planet_project_id: "8424481182".into(),
            wecom_payee_id: "payee_01".into(),
        }
    }

    /// A camp open for sign-up (starting tomorrow), created by the super admin.
    pub async fn open_camp(&self) -> shared::api::CampDto {
        let admin = self.admin().await;
        let (coach, _) = self
            .staff(&admin, &format!("coach_{}", &unique()[..8]), Role::Coach)
            .await;
        let request = self.camp_request(&admin, coach.id).await;
        admin
            .post_json("/api/v1/admin/camps", &request)
            .await
            .expect("create camp")
    }

    /// A second server instance on the same database, job queue and data
    /// directory, as behind a load balancer; it serves until the test ends.
    pub async fn sibling(&self) -> server::state::AppState {
        let app = Application::build(self.config.clone())
            .await
            .expect("a second instance builds");
        let state = app.state.clone();
        tokio::spawn(app.run(std::future::pending()));
        state
    }

    /// Waits until `check` holds, for jobs that run in the background: up to a
    /// minute, because a loaded 2-core CI machine running the whole suite in
    /// parallel can take tens of seconds where an idle one takes milliseconds.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..300 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("timed out waiting for {what}");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // A fresh runtime on another thread: Drop cannot await on the test's own runtime.
            let _ = std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A tiny valid PNG (1×1), built with the `png` crate.
pub fn png_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 1, 1);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&[0]).expect("png data");
    writer.finish().expect("png end");
    out
}

/// An HTTP client with its own cookie jar, echoing the CSRF token once signed in.
/// A clone shares the jar (the same browser).
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub csrf: Option<String>,
}

#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub error: ApiError,
}

impl Client {
    fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            base: base.to_owned(),
            http,
            csrf: None,
        }
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some((bytes, content_type)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        request.send().await.expect("request reaches the server")
    }

    async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, Failure> {
        let status = response.status();
        let bytes = response.bytes().await.expect("response body");
        if status.is_success() {
            Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "decoding {status} body {:?}: {e}",
                    String::from_utf8_lossy(&bytes)
                )
            }))
        } else {
            let error: ApiError = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "error body of {status} is not the API error shape: {:?}: {e}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            assert!(!error.message.is_empty(), "every error has a message");
            Err(Failure { status, error })
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        Self::decode(self.raw(Method::GET, path, None).await).await
    }

    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, Failure> {
        let bytes = serde_json::to_vec(body).expect("serialize body");
        Self::decode(
            self.raw(method, path, Some((bytes, "application/json")))
                .await,
        )
        .await
    }

    pub async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, Failure> {
        self.send_json(Method::POST, path, body).await
    }

    pub async fn put_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, Failure> {
        self.send_json(Method::PUT, path, body).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        Self::decode(self.raw(Method::POST, path, None).await).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), Failure> {
        Self::decode(self.raw(Method::DELETE, path, None).await).await
    }

    pub async fn upload(
        &self,
        kind: UploadKind,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<UploadDto, Failure> {
        let path = format!("/api/v1/uploads?kind={}", kind.as_str());
        Self::decode(
            self.raw(Method::POST, &path, Some((bytes, content_type)))
                .await,
        )
        .await
    }
}
