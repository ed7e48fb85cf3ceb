//! The spreadsheet fallback (PRD §13.1, issue 9): when the Knowledge Planet API
//! is unavailable, an admin uploads the camp's check-ins as CSV or .xlsx.
//!
//! Columns, by header (any order): 星球ID, 星球昵称, 打卡时间 (Beijing time:
//! `2026-12-01 08:30`, `2026-12-01 08:30:00`, `2026/12/1 8:30`, or an Excel
//! date-time cell), optional 微信昵称 (accepted for the staff's own reference,
//! not stored: matching uses the enrollment's 微信昵称) and 内容摘要.
//!
//! Invariants:
//! - The file is validated as a whole: every error is listed by row and
//!   column (up to [`MAX_ERRORS`]), and nothing is written unless every row is
//!   valid; the rows are stored in one transaction with the audit entry and
//!   the `MatchCamp` that follows.
//! - An imported row and a synced post of the same account and minute are one
//!   record (`records::store`), so importing the same file twice, or a file
//!   overlapping a sync, adds nothing.

use crate::db::WriteTransaction;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::DatabaseConnection;
use shared::checkin_api::ImportOutcome;
use shared::error::{ApiError, ErrorCode, FieldErrors};
use shared::roles::{Area, Scope};

use super::records::{self, IncomingCheckin, Source};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::camps::service::find_visible;
use crate::error::{AppError, AppResult};

/// Largest file accepted, in bytes.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most data rows accepted: a camp of 1000 members over 31 days, with room.
pub const MAX_ROWS: usize = 50_000;
/// Errors listed at most (the file is refused either way).
pub const MAX_ERRORS: usize = 100;

const COL_ID: &str = "星球ID";
const COL_NAME: &str = "星球昵称";
const COL_TIME: &str = "打卡时间";
const COL_WECHAT: &str = "微信昵称";
const COL_EXCERPT: &str = "内容摘要";
const TIME_FORMATS: [&str; 4] = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
];

/// One cell as read from either kind of file.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    DateTime(NaiveDateTime),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(t) => t.clone(),
            Self::Number(n) => n.to_string(),
            Self::DateTime(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

/// The error for the whole file: `details.fields` holds one entry per bad
/// cell, keyed `<row>:<column>` (row numbers as the spreadsheet shows them,
/// the header being row 1), or `file` for the file itself.
fn refused(errors: FieldErrors) -> AppError {
    let count = errors.len();
    let mut api = ApiError::fields(errors);
    api.message = format!("导入文件有 {count} 处错误，未导入任何记录，请修改后重新上传");
    AppError::Api(api)
}

fn file_error(message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.insert("file".into(), message.into());
    refused(errors)
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Vec<Vec<Cell>>> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| file_error("无法读取该 Excel 文件，请使用 .xlsx 格式（可下载模板）"))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("Excel 文件中没有工作表"))?
        .map_err(|_| file_error("无法读取 Excel 文件的第一个工作表"))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty | Data::Error(_) => Cell::Empty,
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                        Cell::Text(s.clone())
                    }
                    Data::Int(i) => Cell::Number(*i as f64),
                    Data::Float(f) => Cell::Number(*f),
                    Data::Bool(b) => Cell::Text(b.to_string()),
                    Data::DateTime(at) => at
                        .as_datetime()
                        .map_or(Cell::Number(at.as_f64()), Cell::DateTime),
                })
                .collect()
        })
        .collect())
}

fn read_csv(bytes: &[u8]) -> AppResult<Vec<Vec<Cell>>> {
    // Excel on Chinese Windows saves CSV as GBK: decode that when it is not UTF-8.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let (text, _, malformed) = encoding_rs::GB18030.decode(bytes);
            if malformed {
                return Err(file_error("无法识别文件编码，请保存为 UTF-8 编码的 CSV"));
            }
            text.into_owned()
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            file_error(format!("CSV 格式错误（第 {line} 行），请检查引号和分隔符"))
        })?;
        rows.push(
            record
                .iter()
                .map(|v| {
                    if v.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(v.to_owned())
                    }
                })
                .collect(),
        );
        if rows.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(rows)
}

/// An .xlsx file is a zip archive; anything else is read as CSV.
fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn parse_time(cell: &Cell) -> Result<DateTime<Utc>, String> {
    let local = match cell {
        Cell::DateTime(at) => *at,
        Cell::Empty => return Err("请填写打卡时间".into()),
        Cell::Number(_) => {
            return Err("打卡时间须为日期时间，如 2026-12-01 08:30".into());
        }
        Cell::Text(text) => {
            let text = shared::normalize::clean_text(text);
            TIME_FORMATS
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
                .ok_or_else(|| {
                    format!("无法识别的时间「{text}」，请使用如 2026-12-01 08:30 的格式")
                })?
        }
    };
    let at = shared::dates::BUSINESS_TZ
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| "打卡时间无效".to_owned())?
        .with_timezone(&Utc);
    if at > Utc::now() + chrono::Duration::minutes(5) {
        return Err("打卡时间不能晚于现在".into());
    }
    Ok(at)
}

fn parse_user_id(cell: &Cell) -> Result<i64, String> {
    let text = match cell {
        Cell::Empty => return Err("请填写星球ID".into()),
        // Excel keeps numbers as doubles: exact up to 2^53, beyond that the digits are already lost.
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
            format!("{n:.0}")
        }
        Cell::Number(_) | Cell::DateTime(_) => {
            return Err("星球ID须为数字，请将该列设为文本格式".into());
        }
        Cell::Text(text) => text.clone(),
    };
    shared::normalize::planet_id(&text)
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| "星球ID须为数字".to_owned())
}

/// Reads and validates a whole file. `Err` lists every bad cell (see [`refused`]).
fn parse(bytes: &[u8]) -> AppResult<Vec<IncomingCheckin>> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::message(
            ErrorCode::PayloadTooLarge,
            "导入文件不能超过2MB",
        ));
    }
    let rows = if is_xlsx(bytes) {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let mut rows = rows.into_iter();
    let header: Vec<String> = rows
        .next()
        .unwrap_or_default()
        .iter()
        .map(|c| shared::normalize::clean_text(&c.text()))
        .collect();
    let position = |name: &str| header.iter().position(|h| h == name);
    let missing: Vec<&str> = [COL_ID, COL_NAME, COL_TIME]
        .into_iter()
        .filter(|c| position(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "第1行须为表头，缺少列：{}（可下载模板）",
            missing.join("、")
        )));
    }
    let (id_col, name_col, time_col) = (
        position(COL_ID).unwrap_or_default(),
        position(COL_NAME).unwrap_or_default(),
        position(COL_TIME).unwrap_or_default(),
    );
    let wechat_col = position(COL_WECHAT);
    let excerpt_col = position(COL_EXCERPT);
    let mut items = Vec::new();
    let mut errors = FieldErrors::new();
    let mut error = |row: usize, column: &str, message: String| {
        if errors.len() < MAX_ERRORS {
            errors.insert(
                format!("{row}:{column}"),
                format!("第{row}行「{column}」：{message}"),
            );
        }
    };
    let empty = Cell::Empty;
    for (index, row) in rows.enumerate() {
        let line = index + 2;
        if row.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        if items.len() + 1 > MAX_ROWS {
            return Err(file_error(format!(
                "一次最多导入 {MAX_ROWS} 行，请拆分文件"
            )));
        }
        let cell = |col: usize| row.get(col).unwrap_or(&empty);
        let user_id = parse_user_id(cell(id_col)).map_err(|m| error(line, COL_ID, m));
        let name = shared::normalize::clean_text(&cell(name_col).text());
        if name.chars().count() > 64 {
            error(line, COL_NAME, "星球昵称不能超过64个字".into());
        }
        let created_at = parse_time(cell(time_col)).map_err(|m| error(line, COL_TIME, m));
        if let Some(col) = wechat_col
            && shared::normalize::clean_text(&cell(col).text())
                .chars()
                .count()
                > 64
        {
            error(line, COL_WECHAT, "微信昵称不能超过64个字".into());
        }
        let excerpt = excerpt_col
            .map(|col| shared::normalize::clean_text(&cell(col).text()))
            .unwrap_or_default();
        if let (Ok(user_id), Ok(created_at)) = (user_id, created_at) {
            items.push(IncomingCheckin {
                topic_id: None,
                user_id,
                alias: None,
                created_at,
                text_len: i32::try_from(excerpt.chars().count()).unwrap_or(i32::MAX),
                images_count: 0,
                excerpt: excerpt.chars().take(records::EXCERPT_CHARS).collect(),
                name,
            });
        }
    }
    if !errors.is_empty() {
        return Err(refused(errors));
    }
    if items.is_empty() {
        return Err(file_error("文件中没有打卡记录"));
    }
    Ok(items)
}

/// Imports a camp's check-ins from a CSV or .xlsx file (admins; audited).
///
/// # Errors
/// Forbidden below admin; not found for an unknown camp; `payload_too_large`
/// over [`MAX_BYTES`]; validation listing every bad cell (nothing written).
pub async fn import(
    db: &DatabaseConnection,
    staff: &Staff,
    camp_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<ImportOutcome> {
    if staff.require(Area::Checkins)? != Scope::All {
        return Err(AppError::code(ErrorCode::Forbidden));
    }
    let camp = find_visible(db, staff, Area::Checkins, camp_id).await?;
    // Parsing a large workbook is CPU work: off the async runtime.
    let items = tokio::task::spawn_blocking(move || parse(&bytes))
        .await
        .map_err(anyhow::Error::from)??;
    let txn = db.begin_write().await?;
    let stored = records::store(&txn, camp_id, Source::Import, &items).await?;
    audit::record(
        &txn,
        &staff.actor(),
        Action::ImportCheckins,
        Target::camp(camp_id, &camp.name),
        format!(
            "导入打卡记录文件「{}」：{} 行，新增 {} 条",
            file_name.chars().take(100).collect::<String>(),
            items.len(),
            stored.inserted
        ),
    )
    .await?;
    crate::outbox::enqueue(&txn, &super::MatchCamp { camp_id }).await?;
    txn.commit().await?;
    Ok(ImportOutcome {
        rows: items.len() as u64,
        inserted: stored.inserted,
    })
}

/// The import template: the header row and one example row, 星球ID as text.
///
/// # Errors
/// Only if the workbook cannot be written.
pub fn template() -> AppResult<Vec<u8>> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("打卡记录").map_err(anyhow::Error::from)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let headers = [COL_ID, COL_NAME, COL_TIME, COL_WECHAT, COL_EXCERPT];
    let example = [
        "346884121553",
        "小明",
        "2026-11-01 08:30",
        "小明同学",
        "今天早起跑步5公里",
    ];
    for (col, (title, value)) in headers.iter().zip(example).enumerate() {
        let col = col as u16;
        sheet
            .write_with_format(0, col, *title, &bold)
            .and_then(|s| s.write_string_with_format(1, col, value, &text))
            .and_then(|s| s.set_column_width(col, 20))
            .map_err(anyhow::Error::from)?;
    }
    Ok(workbook.save_to_buffer().map_err(anyhow::Error::from)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn csv(body: &str) -> AppResult<Vec<IncomingCheckin>> {
        parse(body.as_bytes())
    }

    fn fields(result: AppResult<Vec<IncomingCheckin>>) -> Vec<String> {
        match result {
            Err(AppError::Api(api)) => api.details.unwrap_or_default().fields.into_keys().collect(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn every_documented_time_format_is_beijing_time() {
        let items = csv("星球ID,星球昵称,打卡时间\n\
             346884121553,小明,2026-11-01 08:30\n\
             346884121553,小明,2026-11-01 08:31:15\n\
             ０００346884121553,小明,2026/11/1 8:32\n")
        .unwrap();
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| i.user_id == 346_884_121_553));
        assert_eq!(
            items[0].created_at,
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 30, 0).unwrap()
        );
        assert_eq!(
            items[2].created_at,
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 32, 0).unwrap()
        );
    }

    #[test]
    fn every_bad_cell_is_listed_by_row_and_column() {
        let keys = fields(csv("星球ID,星球昵称,打卡时间\n\
             abc,小明,2026-11-01 08:30\n\
             346884121553,小明,明天早上\n\
             346884121553,小明,2026-11-01 08:30\n"));
        assert_eq!(keys, vec!["2:星球ID".to_owned(), "3:打卡时间".to_owned()]);
    }

    #[test]
    fn a_missing_column_refuses_the_file() {
        assert_eq!(
            fields(csv("星球ID,打卡时间\n1,2026-11-01 08:30\n")),
            vec!["file"]
        );
    }

    #[test]
    fn gbk_csv_from_chinese_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GBK
            .encode("星球ID,星球昵称,打卡时间\r\n346884121553,小明,2026-11-01 08:30\r\n");
        let items = parse(&bytes).unwrap();
        assert_eq!(items[0].name, "小明");
    }

    #[test]
    fn the_template_reads_back_as_a_valid_import() {
        let items = parse(&template().unwrap()).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].user_id, 346_884_121_553);
        assert_eq!(items[0].excerpt, "今天早起跑步5公里");
    }
}
