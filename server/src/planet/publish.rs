//! "保存并发布知识星球" (PRD §4.2.1.2): creates the camp's accumulated check-in
//! project on Knowledge Planet and stores its id in `camps.planet_project_id`.

use crate::db::WriteTransaction;
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::PlanetError;
use crate::audit::{self, Action, Actor, Target};
use crate::entity::camps;
use crate::error::AppResult;
use crate::integrations::zsxq::{NewCheckin, Validity, ZsxqClient};

/// Longest project title we send (the camp name is cut to it).
const TITLE_CHARS: usize = 50;

/// The request for a camp: name → title, intro as plain text → text,
/// required days → `checkin_days`, accumulated, expiring at the end date's
/// 23:59:59 Beijing time.
pub fn new_checkin(camp: &camps::Model) -> NewCheckin {
    NewCheckin {
        title: camp.name.trim().chars().take(TITLE_CHARS).collect(),
        text: plain_text(&camp.intro_html),
        checkin_days: camp.required_days,
        kind: "accumulated".into(),
        show_topics_on_timeline: false,
        validity: Validity {
            long_period: false,
            expiration_time: expiration_time(camp.end_date),
        },
    }
}

/// `2025-12-17T23:59:59.000+0800`: the last second of the end date in Beijing.
pub fn expiration_time(end_date: NaiveDate) -> String {
    format!("{}T23:59:59.000+0800", end_date.format("%Y-%m-%d"))
}

/// The intro's text: tags dropped, block ends as line breaks, the common
/// entities decoded, blank lines collapsed.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        if ["p", "br", "div", "li", "h1", "h2", "h3", "h4"]
            .iter()
            .any(|t| {
                tag == *t || tag.starts_with(&format!("{t} ")) || tag.starts_with(&format!("{t}/"))
            })
        {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Creates the project and stores its id, audited. Refuses a camp that has
/// one. The call is made before the write: if two admins publish at once, the
/// second write finds the id set and fails (its project stays orphaned on
/// Knowledge Planet and the audit says nothing of it).
pub async fn publish(
    db: &DatabaseConnection,
    client: &ZsxqClient,
    actor: &Actor,
    camp: &camps::Model,
) -> AppResult<String> {
    if !camp.planet_project_id.trim().is_empty() {
        return Err(PlanetError::AlreadyPublished(camp.planet_project_id.clone()).into());
    }
    let request = new_checkin(camp);
    let created = client.create_checkin_project(&request).await?;
    let project_id = created.checkin_id.to_string();
    let txn = db.begin_write().await?;
    let updated = camps::Entity::update_many()
        .col_expr(
            camps::Column::PlanetProjectId,
            Expr::value(project_id.clone()),
        )
        .filter(camps::Column::Id.eq(camp.id))
        .filter(camps::Column::PlanetProjectId.eq(""))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(PlanetError::AlreadyPublished(String::new()).into());
    }
    audit::record(
        &txn,
        actor,
        Action::PublishPlanet,
        Target::camp(camp.id, &camp.name),
        format!(
            "创建知识星球打卡项目 {project_id}：「{}」，要求 {} 天，截止 {}",
            request.title, request.checkin_days, request.validity.expiration_time
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(project_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intro_html_becomes_plain_text() {
        let html = "<p>每天打卡&nbsp;<strong>21</strong>天</p><ul><li>A &amp; B</li><li>&lt;读书&gt;</li></ul>";
        assert_eq!(plain_text(html), "每天打卡 21天\nA & B\n<读书>");
    }

    #[test]
    fn expiration_is_the_end_dates_last_second_in_beijing() {
        let end = NaiveDate::from_ymd_opt(2025, 12, 17).unwrap_or_default();
        let text = expiration_time(end);
        assert_eq!(text, "2025-12-17T23:59:59.000+0800");
        let parsed = crate::integrations::zsxq::ZsxqTime::parse(&text).map(|t| t.at.to_rfc3339());
        assert_eq!(parsed.ok().as_deref(), Some("2025-12-17T15:59:59+00:00"));
    }
}
