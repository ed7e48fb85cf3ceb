//! The calls, spaced and retried. Each call: wait for the token's turn, send,
//! read the envelope; 1059 / HTTP 429 / no answer are retried up to
//! [`RETRIES`] times after `backoff × (n+1)`; 401/403 or the auth envelope is
//! [`ZsxqError::CookieExpired`] at once.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, USER_AGENT};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::types::*;
use super::{AUTH_ERROR_CODES, THROTTLED_CODE, ZsxqError};

/// Retries after the first attempt, for throttling and transport failures (PRD §8.2).
pub const RETRIES: u32 = 3;
/// Knowledge Planet's own address.
pub const PRODUCTION_BASE_URL: &str = "https://api.zsxq.com";
/// The default pause between two calls with one token.
pub const DEFAULT_SPACING_MS: u64 = 1000;
/// The default back-off unit: the n-th retry waits `backoff × n`.
pub const DEFAULT_BACKOFF_MS: u64 = 3000;

#[derive(Clone)]
pub struct ClientConfig {
    /// `https://api.zsxq.com`, or the sandbox's `<self>/sandbox/zsxq`; no trailing slash.
    pub base_url: String,
    /// The owner's `zsxq_access_token` cookie value.
    pub access_token: String,
    /// The planet (星球) id.
    pub group_id: i64,
    /// Minimum pause between two calls with this token.
    pub spacing: Duration,
    /// Back-off unit: retry n (1-based) waits `backoff × n`.
    pub backoff: Duration,
}

/// Never prints the token.
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("group_id", &self.group_id)
            .field("spacing", &self.spacing)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

/// When the token may next be used; the lock is held for a whole call, so
/// calls with one token are serial across every client in the process.
type Turn = Arc<tokio::sync::Mutex<Option<Instant>>>;

fn turn_of(token: &str) -> Turn {
    static TURNS: LazyLock<Mutex<HashMap<String, Turn>>> = LazyLock::new(Mutex::default);
    let mut turns = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(token.to_owned()).or_default().clone()
}

#[derive(Clone)]
pub struct ZsxqClient {
    http: reqwest::Client,
    config: ClientConfig,
    turn: Turn,
    /// HTTP requests sent by this client (and its clones), retries included.
    requests: Arc<AtomicU32>,
}

impl fmt::Debug for ZsxqClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZsxqClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    succeeded: bool,
    #[serde(default)]
    resp_data: Option<Value>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    info: Option<String>,
}

/// One attempt's outcome.
enum Attempt {
    Done(Value),
    Retry(ZsxqError),
    Fail(ZsxqError),
}

impl ZsxqClient {
    pub fn new(config: ClientConfig) -> Result<Self, ZsxqError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ZsxqError::Transport(e.without_url().to_string()))?;
        let turn = turn_of(&config.access_token);
        Ok(Self {
            http,
            config,
            turn,
            requests: Arc::default(),
        })
    }

    /// The same client with calls at most `limit` apart: for the interactive
    /// connection test (two calls on a button press), never for a sync.
    pub fn with_spacing_at_most(mut self, limit: std::time::Duration) -> Self {
        self.config.spacing = self.config.spacing.min(limit);
        self
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// HTTP requests sent so far, retries included (a sync run's `requests`).
    pub fn requests_sent(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `GET /v2/users/self`: whose cookie this is (the check-in paths are all
    /// `/v2`; zsxq.md §1.4 lists `/v2` and `/v3` with the same `user` shape).
    pub async fn self_user(&self) -> Result<User, ZsxqError> {
        let answer: SelfUser = self.get("/v2/users/self", &[]).await?;
        Ok(answer.user)
    }

    /// `GET /v2/groups/{gid}`: the planet, which proves the cookie can read it.
    pub async fn group(&self) -> Result<GroupRef, ZsxqError> {
        let path = format!("/v2/groups/{}", self.config.group_id);
        let answer: GroupAnswer = self.get(&path, &[]).await?;
        Ok(answer.group)
    }

    /// The planet's check-in projects in one scope (at most 100).
    pub async fn checkin_projects(&self, scope: CheckinScope) -> Result<Vec<Checkin>, ZsxqError> {
        let path = format!("/v2/groups/{}/checkins", self.config.group_id);
        let answer: CheckinList = self
            .get(&path, &[("scope", scope.as_str()), ("count", "100")])
            .await?;
        Ok(answer.checkins)
    }

    pub async fn checkin_project(&self, checkin_id: i64) -> Result<Checkin, ZsxqError> {
        let answer: CheckinAnswer = self.get(&self.checkin_path(checkin_id, ""), &[]).await?;
        Ok(answer.checkin)
    }

    /// One page of a project's check-in posts, newest first, `count` in 1..=30.
    /// `end_time`: the previous page's last `create_time` (the service answers
    /// posts at or before it, so that post comes again: dedupe by topic id).
    pub async fn checkin_topics(
        &self,
        checkin_id: i64,
        end_time: Option<&ZsxqTime>,
        count: u32,
    ) -> Result<Vec<Topic>, ZsxqError> {
        let count = count.to_string();
        let mut query = vec![("scope", "all"), ("count", count.as_str())];
        if let Some(end) = end_time {
            query.push(("end_time", end.raw.as_str()));
        }
        let answer: TopicPage = self
            .get(&self.checkin_path(checkin_id, "/topics"), &query)
            .await?;
        Ok(answer.topics)
    }

    /// One page of the accumulated ranking: entries `index+1 ..= index+21`.
    pub async fn ranking_list(
        &self,
        checkin_id: i64,
        index: usize,
    ) -> Result<RankingPage, ZsxqError> {
        let index = index.to_string();
        self.get(
            &self.checkin_path(checkin_id, "/ranking_list"),
            &[("type", "accumulated"), ("index", index.as_str())],
        )
        .await
    }

    pub async fn statistics(&self, checkin_id: i64) -> Result<Statistics, ZsxqError> {
        let answer: StatisticsAnswer = self
            .get(&self.checkin_path(checkin_id, "/statistics"), &[])
            .await?;
        Ok(answer.statistics)
    }

    /// `POST /v2/groups/{gid}/checkins` with `{"req_data": …}`; returns the new project.
    /// Not retried on a lost answer: a retry could create a second project.
    pub async fn create_checkin_project(&self, new: &NewCheckin) -> Result<Checkin, ZsxqError> {
        let path = format!("/v2/groups/{}/checkins", self.config.group_id);
        let body = json!({ "req_data": new });
        let value = self.call(Method::POST, &path, &[], Some(&body)).await?;
        let answer: CheckinAnswer = decode(value)?;
        Ok(answer.checkin)
    }

    fn checkin_path(&self, checkin_id: i64, tail: &str) -> String {
        format!(
            "/v2/groups/{}/checkins/{checkin_id}{tail}",
            self.config.group_id
        )
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ZsxqError> {
        decode(self.call(Method::GET, path, query, None).await?)
    }

    /// The envelope's `resp_data`, after spacing, retries and error mapping.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, ZsxqError> {
        let mut url = Url::parse(&format!("{}{path}", self.config.base_url))
            .map_err(|e| ZsxqError::Decode(format!("bad base URL: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        // Only reads are retried after a lost answer; a write may have happened.
        let retry_transport = method == Method::GET;
        let mut attempt = 0;
        loop {
            let outcome = self.attempt(method.clone(), url.clone(), body).await;
            let error = match outcome {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry(ZsxqError::Transport(_)) if !retry_transport => {
                    return Err(ZsxqError::Transport("请求已发出但未收到应答".into()));
                }
                Attempt::Retry(error) => error,
            };
            if attempt >= RETRIES {
                return Err(error);
            }
            attempt += 1;
            tracing::warn!(path, attempt, error = %error, "Knowledge Planet call failed; retrying");
            tokio::time::sleep(self.config.backoff * attempt).await;
        }
    }

    async fn attempt(&self, method: Method, url: Url, body: Option<&Value>) -> Attempt {
        // The gate holds when the token's last call ended; each caller keeps
        // its own spacing after it (a connection test need not wait out a
        // long spacing another caller configured).
        let mut last_call = self.turn.lock().await;
        if let Some(at) = *last_call {
            tokio::time::sleep_until(at + self.config.spacing).await;
        }
        let mut request = self
            .http
            .request(method, url)
            .header(
                COOKIE,
                format!("zsxq_access_token={}", self.config.access_token),
            )
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, "camp-deposit/1.0");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let sent = request.send().await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.map(|bytes| (status, bytes))
            }
            Err(e) => Err(e),
        };
        *last_call = Some(Instant::now());
        drop(last_call);
        match answer {
            // `without_url`: the URL is harmless, but keep errors short and uniform.
            Err(e) => Attempt::Retry(ZsxqError::Transport(e.without_url().to_string())),
            Ok((status, bytes)) => classify(status, &bytes),
        }
    }
}

fn classify(status: StatusCode, bytes: &[u8]) -> Attempt {
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Attempt::Fail(ZsxqError::CookieExpired);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Attempt::Retry(ZsxqError::Throttled);
    }
    let envelope: Envelope = match serde_json::from_slice(bytes) {
        Ok(envelope) => envelope,
        Err(_) if status.is_server_error() => {
            return Attempt::Retry(ZsxqError::Transport(format!("HTTP {status}")));
        }
        Err(e) => {
            return Attempt::Fail(ZsxqError::Decode(format!("HTTP {status}: {e}")));
        }
    };
    if envelope.succeeded {
        return Attempt::Done(envelope.resp_data.unwrap_or(Value::Null));
    }
    let code = envelope.code.unwrap_or_default();
    if code == THROTTLED_CODE {
        return Attempt::Retry(ZsxqError::Throttled);
    }
    if AUTH_ERROR_CODES.contains(&code) {
        return Attempt::Fail(ZsxqError::CookieExpired);
    }
    let message = [envelope.error, envelope.info]
        .into_iter()
        .flatten()
        .find(|m| !m.is_empty())
        .unwrap_or_default();
    Attempt::Fail(ZsxqError::Api { code, message })
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ZsxqError> {
    serde_json::from_value(value).map_err(|e| ZsxqError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A sample file's response (`{"method","path","request_body","status","response"}`).
    fn sample(name: &str) -> (u16, Value) {
        let path = format!(
            "{}/src/integrations/zsxq/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let file: Value = serde_json::from_str(&text).unwrap();
        let status = u16::try_from(file["status"].as_u64().unwrap()).unwrap();
        (status, file["response"].clone())
    }

    fn resp_data<T: DeserializeOwned>(name: &str) -> T {
        let (status, response) = sample(name);
        let bytes = serde_json::to_vec(&response).unwrap();
        match classify(StatusCode::from_u16(status).unwrap(), &bytes) {
            Attempt::Done(value) => decode(value).unwrap(),
            _ => panic!("{name} is not a success"),
        }
    }

    fn error_of(name: &str) -> ZsxqError {
        let (status, response) = sample(name);
        let bytes = serde_json::to_vec(&response).unwrap();
        match classify(StatusCode::from_u16(status).unwrap(), &bytes) {
            Attempt::Fail(e) | Attempt::Retry(e) => e,
            Attempt::Done(_) => panic!("{name} is not an error"),
        }
    }

    #[test]
    fn every_sample_parses() {
        let list: CheckinList = resp_data("groups_checkins_get.json");
        assert!(!list.checkins.is_empty());
        assert_eq!(list.checkins[0].checkin_id, 9_517_301_808);
        assert_eq!(list.checkins[0].checkin_days, 21);
        assert!(list.checkins[0].validity.long_period);

        let created: CheckinAnswer = resp_data("groups_checkins_post.json");
        assert_eq!(created.checkin.checkin_id, 4_800_453_272);
        assert_eq!(created.checkin.group.group_id, 70_489_573_041_437);
        assert_eq!(created.checkin.kind, "accumulated");

        let _: Value = resp_data("groups_checkins_put.json");

        let ranking: RankingPage = resp_data("groups_checkins_ranking_list_get.json");
        assert_eq!(ranking.ranking_list.len(), RANKING_PAGE_SIZE);
        assert_eq!(ranking.ranking_list[0].user.name, "橙子🍊15");
        assert_eq!(ranking.user_specific.unwrap().rankings, 0);

        let daily: Value = resp_data("groups_checkins_statistics_daily_get.json");
        assert_eq!(daily["checkined_count"], 3);

        let stats: StatisticsAnswer = resp_data("groups_checkins_statistics_get.json");
        assert_eq!(
            stats.statistics,
            Statistics {
                joined_count: 34,
                completed_count: 0,
                checkined_count: 33
            }
        );

        let page: TopicPage = resp_data("groups_checkins_topics_get.json");
        assert_eq!(page.topics.len(), 20);
        let times: Vec<_> = page.topics.iter().map(|t| t.create_time.at).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        assert!(page.topics.iter().all(|t| t.owner().is_some()));

        for name in [
            "users_self_groups_checkins_checkined_dates_get.json",
            "users_self_groups_checkins_statistics_get.json",
            "users_self_groups_checkins_topics_get.json",
        ] {
            assert_eq!(
                error_of(name),
                ZsxqError::Api {
                    code: 52010,
                    message: "未报名参加该打卡任务".into()
                }
            );
        }
    }

    #[test]
    fn topic_ids_above_2_pow_53_survive() {
        let page: TopicPage = resp_data("groups_checkins_topics_get.json");
        let first = page.topics[0].topic_id;
        assert_eq!(first, 25_067_087_231_401_135);
        assert!(first > 1 << 53);
        // The same id through f64 would change: the check above means something.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let through_f64 = (first as f64) as i64;
        assert_ne!(through_f64, first);
    }

    #[test]
    fn create_time_keeps_instant_and_text() {
        let time = ZsxqTime::parse("2025-12-08T23:55:22.534+0800").unwrap();
        assert_eq!(time.at.to_rfc3339(), "2025-12-08T15:55:22.534+00:00");
        assert_eq!(time.raw, "2025-12-08T23:55:22.534+0800");
        assert_eq!(ZsxqTime::format(time.at), time);
        assert!(ZsxqTime::parse("2025-12-08 23:55:22").is_err());
    }

    #[test]
    fn error_envelopes_are_typed() {
        let body = |v: Value| serde_json::to_vec(&v).unwrap();
        let throttled = body(json!({"succeeded": false, "code": 1059, "info": "重试"}));
        assert!(matches!(
            classify(StatusCode::OK, &throttled),
            Attempt::Retry(ZsxqError::Throttled)
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, b"<html>"),
            Attempt::Retry(ZsxqError::Throttled)
        ));
        let auth = body(json!({"succeeded": false, "code": 401, "error": "请先登录"}));
        assert!(matches!(
            classify(StatusCode::OK, &auth),
            Attempt::Fail(ZsxqError::CookieExpired)
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, b""),
            Attempt::Fail(ZsxqError::CookieExpired)
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, b"{}"),
            Attempt::Fail(ZsxqError::CookieExpired)
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, b"<html>"),
            Attempt::Retry(ZsxqError::Transport(_))
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, b"<html>404</html>"),
            Attempt::Fail(ZsxqError::Decode(_))
        ));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let config = ClientConfig {
            base_url: "http://127.0.0.1:9".into(),
            access_token: "SECRET-TOKEN-1".into(),
            group_id: 1,
            spacing: Duration::ZERO,
            backoff: Duration::ZERO,
        };
        let client = ZsxqClient::new(config).unwrap();
        assert!(!format!("{client:?}").contains("SECRET-TOKEN-1"));
    }
}
