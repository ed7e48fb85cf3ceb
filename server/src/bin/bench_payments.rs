//! Payment benchmark (a program, not a test): prints figures for
//! docs/benchmarks.md. Starts the real server in-process on the embedded default
//! (SQLite, sandbox) in a temporary directory, then
//!   1. a burst of N concurrent sign-ups + payments through the sandbox cashier,
//!      timed until every order is paid (notification → webhook), with errors;
//!   2. signed payment notifications sent to the webhook at a fixed rate, with
//!      p50/p99 latency; then as fast as 32 connections allow.
//!
//! cargo run --release -p server --bin bench-payments [-- BURST RATE SECONDS]

#![allow(clippy::print_stdout)] // printing figures is this program's job

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use server::Application;
use server::config::Config;
use server::entity::payment_orders;
use server::integrations::wechat_pay::{
    encrypt_resource, keys::private_key_from_pem, nonce, sign_response,
};
use server::settings::wechat_pay::{SANDBOX_KEY, StoredSandbox};
use shared::api::{
    CampDto, CampRequest, LoginRequest, Me, PayMethod, SignUpRequest, SignUpResponse, UploadDto,
    UserDto,
};

const PASSWORD: &str = "Bench-pass-123";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let burst = args.first().copied().unwrap_or(1000) as usize;
    let rate = args.get(1).copied().unwrap_or(200);
    let seconds = args.get(2).copied().unwrap_or(10);

    let dir = std::env::temp_dir().join(format!("camp-bench-{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    config.server.bind = "127.0.0.1:0".into();
    // One load generator on one address is not abuse.
    config.server.rate_limit_per_minute = 0;
    config.bootstrap.admin_password = Some(PASSWORD.into());
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        config.database.url = Some(url);
    }
    let app = Application::build(config).await?;
    let base = format!("http://{}", app.addr);
    let state = app.state.clone();
    tokio::spawn(app.run(std::future::pending()));
    println!(
        "server {base} on {}",
        if state.config.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()?;
    let camp_id = create_camp(&http, &base).await?;

    // 1. The burst.
    let started = Instant::now();
    let tasks: Vec<_> = (0..burst)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move { sign_up_and_pay(&base, camp_id, i).await })
        })
        .collect();
    let mut errors = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(()))) {
            errors += 1;
        }
    }
    let requests_done = started.elapsed();
    let db = state.db.clone();
    let paid = loop {
        let paid = payment_orders::Entity::find()
            .filter(payment_orders::Column::Status.eq("paid"))
            .count(&db)
            .await?;
        if paid as usize >= burst - errors || started.elapsed() > Duration::from_secs(120) {
            break paid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!(
        "burst: {burst} concurrent sign-ups + payments: requests done in {:.2}s, all {paid} orders paid in {:.2}s, errors {errors}",
        requests_done.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // 2. Webhook notifications. Fresh unpaid orders so each notification does the full "paid" path.
    let total = (rate * seconds) as usize;
    let orders = make_orders(&base, camp_id, total).await?;
    let signer = Arc::new(Signer::load(&state).await?);
    let bodies: Vec<_> = orders
        .iter()
        .map(|no| signer.notification(no, 5000))
        .collect::<anyhow::Result<_>>()?;
    let webhook = format!("{base}/webhooks/wechatpay/transactions");
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut ticker = tokio::time::interval(interval);
    let started = Instant::now();
    let mut handles = Vec::with_capacity(total);
    for (body, headers) in bodies.clone() {
        ticker.tick().await;
        let (http, webhook) = (http.clone(), webhook.clone());
        handles.push(tokio::spawn(async move {
            post(&http, &webhook, body, headers).await
        }));
    }
    let (latencies, failures) = collect(handles).await;
    report(
        &format!("webhook at {rate}/s for {seconds}s (first deliveries)"),
        &latencies,
        failures,
        started.elapsed(),
    );

    // The same notifications again as fast as 32 connections go (duplicates: verify, decrypt, no-op).
    let started = Instant::now();
    let queue = Arc::new(tokio::sync::Mutex::new(bodies));
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let (http, webhook, queue) = (http.clone(), webhook.clone(), queue.clone());
            tokio::spawn(async move {
                let mut results = Vec::new();
                while let Some((body, headers)) = queue.lock().await.pop() {
                    results.push(post(&http, &webhook, body, headers).await);
                }
                results
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        for result in worker.await? {
            match result {
                Ok(latency) => latencies.push(latency),
                Err(_) => failures += 1,
            }
        }
    }
    report(
        "webhook, 32 connections flat out (duplicates)",
        &latencies,
        failures,
        started.elapsed(),
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

async fn create_camp(http: &reqwest::Client, base: &str) -> anyhow::Result<i64> {
    let me: Me = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&LoginRequest {
            username: "admin".into(),
            password: PASSWORD.into(),
        })
        .send()
        .await?
        .json()
        .await?;
    let csrf = me.csrf_token;
    let coach: UserDto = http
        .post(format!("{base}/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "username": "bench_coach", "password": PASSWORD, "role": "coach", "enabled": true }))
        .send()
        .await?
        .json()
        .await?;
    let png = server::camps::qr::png("bench")?;
    let mut uploads = Vec::new();
    for kind in ["poster", "group_qr"] {
        let upload: UploadDto = http
            .post(format!("{base}/api/v1/uploads?kind={kind}"))
            .header("x-csrf-token", &csrf)
            .header("content-type", "image/png")
            .body(png.clone())
            .send()
            .await?
            .json()
            .await?;
        uploads.push(upload.id);
    }
    let today = shared::dates::business_date(chrono::Utc::now());
    let request = CampRequest {
        name: "压测训练营".into(),
        poster_upload_id: Some(uploads[0].clone()),
        group_qr_upload_id: Some(uploads[1].clone()),
        deposit_fen: 5000,
        start_date: today.succ_opt(),
        end_date: today.checked_add_days(chrono::Days::new(10)),
        total_days: 10,
        required_days: 7,
        intro_html: String::new(),
        coach_ids: vec![coach.id],
        volunteer_ids: vec![],
        planet_project_id: "1".into(),
        wecom_payee_id: "bench".into(),
    };
    let camp: CampDto = http
        .post(format!("{base}/api/v1/admin/camps"))
        .header("x-csrf-token", &csrf)
        .json(&request)
        .send()
        .await?
        .json()
        .await
        .context("creating the camp")?;
    Ok(camp.id)
}

async fn sign_up(
    client: &reqwest::Client,
    base: &str,
    camp_id: i64,
    i: usize,
) -> anyhow::Result<String> {
    let request = SignUpRequest {
        planet_nickname: format!("会员{i}"),
        planet_id: format!("{}", 20_000_000 + i),
        wechat_nickname: format!("wx{i}"),
        pay_method: PayMethod::Native,
    };
    let response = client
        .post(format!("{base}/api/v1/camps/{camp_id}/enrollments"))
        .json(&request)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "sign-up answered {}",
        response.status()
    );
    match response.json::<SignUpResponse>().await? {
        SignUpResponse::Pending { out_trade_no, .. } => Ok(out_trade_no),
        other => anyhow::bail!("unexpected {other:?}"),
    }
}

async fn sign_up_and_pay(base: &str, camp_id: i64, i: usize) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let out_trade_no = sign_up(&client, base, camp_id, i).await?;
    let paid = client
        .post(format!(
            "{base}/sandbox/wechatpay/cashier/{out_trade_no}/pay"
        ))
        .send()
        .await?;
    anyhow::ensure!(
        paid.status().is_redirection(),
        "cashier answered {}",
        paid.status()
    );
    Ok(())
}

async fn make_orders(base: &str, camp_id: i64, count: usize) -> anyhow::Result<Vec<String>> {
    let mut orders = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(100) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let base = base.to_owned();
                tokio::spawn(async move {
                    let client = reqwest::Client::builder().cookie_store(true).build()?;
                    sign_up(&client, &base, camp_id, 1_000_000 + i).await
                })
            })
            .collect();
        for task in tasks {
            orders.push(task.await??);
        }
    }
    Ok(orders)
}

/// Signs notifications as the sandbox's WeChat Pay would.
struct Signer {
    sandbox: StoredSandbox,
    api_v3_key: [u8; 32],
    private_pem: String,
}

type Signed = (String, Vec<(&'static str, String)>);

impl Signer {
    async fn load(state: &server::state::AppState) -> anyhow::Result<Self> {
        let (sandbox, _) = server::settings::load::<StoredSandbox>(&state.db, SANDBOX_KEY)
            .await?
            .context("sandbox settings")?;
        let key = &state.keys.secrets;
        let api_v3_key = server::secrets::open(key, &sandbox.api_v3_key_sealed)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("key size"))?;
        let private_pem = server::secrets::open_string(key, &sandbox.platform_private_key_sealed)?;
        Ok(Self {
            sandbox,
            api_v3_key,
            private_pem,
        })
    }

    fn notification(&self, out_trade_no: &str, amount: i64) -> anyhow::Result<Signed> {
        let transaction = json!({
            "appid": self.sandbox.app_id, "mchid": self.sandbox.mch_id, "out_trade_no": out_trade_no,
            "transaction_id": format!("42{}", &uuid::Uuid::new_v4().simple().to_string()[..18]), "trade_type": "NATIVE",
            "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "success_time": "2026-11-26T10:00:00+08:00",
            "payer": { "openid": "o-bench" }, "amount": { "total": amount, "payer_total": amount, "currency": "CNY", "payer_currency": "CNY" },
        });
        let resource = encrypt_resource(
            &self.api_v3_key,
            transaction.to_string().as_bytes(),
            &nonce()[..12],
            "transaction",
            "transaction",
        )?;
        let body = json!({ "id": uuid::Uuid::new_v4().to_string(), "create_time": "2026-11-26T10:00:00+08:00",
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": resource })
        .to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let nonce = nonce();
        let signature = sign_response(
            &private_key_from_pem(&self.private_pem)?,
            timestamp,
            &nonce,
            &body,
        )?;
        Ok((
            body,
            vec![
                ("wechatpay-timestamp", timestamp.to_string()),
                ("wechatpay-nonce", nonce),
                ("wechatpay-signature", signature),
                (
                    "wechatpay-serial",
                    self.sandbox.platform_public_key_id.clone(),
                ),
            ],
        ))
    }
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    body: String,
    headers: Vec<(&'static str, String)>,
) -> anyhow::Result<Duration> {
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let status = request.send().await?.status();
    let latency = started.elapsed();
    anyhow::ensure!(status.as_u16() == 204, "webhook answered {status}");
    Ok(latency)
}

async fn collect(
    handles: Vec<tokio::task::JoinHandle<anyhow::Result<Duration>>>,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut failures = 0;
    for handle in handles {
        match handle.await {
            Ok(Ok(latency)) => latencies.push(latency),
            _ => failures += 1,
        }
    }
    (latencies, failures)
}

fn report(what: &str, latencies: &[Duration], failures: usize, elapsed: Duration) {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{what}: {} ok, {failures} failed, {:.0}/s achieved, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sorted.len(),
        sorted.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
