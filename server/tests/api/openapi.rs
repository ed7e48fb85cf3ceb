//! The served OpenAPI document: consistent with itself and with the router,
//! documenting every error, and changed only on purpose (the snapshot). The
//! full OpenAPI 3 validation (openapi-spec-validator) and the schema fuzzer
//! (schemathesis) run against a live server in `make test-api-fuzz`.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

fn document() -> Value {
    serde_json::to_value(server::api::document()).unwrap()
}

/// (method, path, operation) for every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.insert(target.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A schema, or the one its `$ref` points at.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(&Value::Null),
        None => schema,
    }
}

fn error_schema_ref(response: &Value) -> Option<&str> {
    response["content"]["application/json"]["schema"]["$ref"].as_str()
}

#[test]
fn every_reference_resolves_and_every_operation_id_is_unique() {
    let doc = document();
    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for target in refs {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{target}: only local references"));
        assert!(
            doc.pointer(pointer).is_some(),
            "{target} is referenced but not defined"
        );
    }
    let mut ids = BTreeMap::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            .to_owned();
        if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} is used by {other} and {method} {path}");
        }
    }
}

#[test]
fn parameters_are_declared_where_they_are() {
    let doc = document();
    for (method, path, operation) in operations(&doc) {
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let params = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let declared: BTreeSet<&str> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| {
                assert_eq!(
                    p["required"], true,
                    "{method} {path}: path parameters are required"
                );
                p["name"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            declared, in_template,
            "{method} {path}: the path parameters declared are the path's own"
        );
        for p in &params {
            assert!(
                p["schema"].is_object(),
                "{method} {path}: {} has a schema",
                p["name"]
            );
        }
        if let Some(content) = operation["requestBody"]["content"].as_object() {
            for (media, body) in content {
                if media.starts_with("image/") {
                    let schema = resolve(&doc, &body["schema"]);
                    assert_eq!(schema["type"], "string", "{method} {path}: {media}");
                    assert_eq!(schema["format"], "binary", "{method} {path}: {media}");
                }
            }
        }
    }
}

#[test]
fn every_operation_documents_its_errors_with_the_error_shape() {
    let doc = document();
    let error_ref = "#/components/schemas/ApiError";
    for (method, path, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().unwrap();
        let documented = |status: &str| {
            let response = responses
                .get(status)
                .unwrap_or_else(|| panic!("{method} {path} does not document {status}"));
            assert_eq!(
                error_schema_ref(response),
                Some(error_ref),
                "{method} {path} {status} uses the error shape"
            );
        };
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                if path == "/healthz" && status == "503" {
                    continue;
                }
                assert_eq!(
                    error_schema_ref(response),
                    Some(error_ref),
                    "{method} {path} {status}"
                );
            }
        }
        documented("500");
        if !path.starts_with("/api/v1/") {
            continue;
        }
        documented("429");
        let staff = operation["security"].is_array();
        if staff {
            documented("401");
            documented("403");
        }
        if path.contains('{') {
            documented("404");
            documented("400");
        }
        let has_query = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        if operation["requestBody"].is_object() || has_query {
            documented("400");
            documented("422");
        }
    }
    // The staff session is required exactly where the server requires it: the
    // permission test holds the server to the same list.
    let public: BTreeSet<(String, String)> = server::api::PUBLIC_OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    for (method, path, operation) in operations(&doc) {
        let open = public.contains(&(method.clone(), path.clone()));
        assert_eq!(
            operation["security"].is_null(),
            open,
            "{method} {path}: security matches PUBLIC_OPERATIONS"
        );
    }
}

#[test]
fn list_filters_are_query_parameters_with_their_bounds() {
    let doc = document();
    for path in [
        "/api/v1/admin/camps",
        "/api/v1/admin/enrollments",
        "/api/v1/audit-logs",
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        for p in params {
            assert_eq!(p["in"], "query", "{path}: {}", p["name"]);
        }
        let page = params.iter().find(|p| p["name"] == "page").unwrap();
        assert_eq!(page["schema"]["minimum"], 1, "{path}");
        assert_eq!(page["schema"]["maximum"], 100_000, "{path}");
        let size = params.iter().find(|p| p["name"] == "page_size").unwrap();
        assert_eq!(size["schema"]["maximum"], 100, "{path}");
    }
    let camp = &doc["components"]["schemas"]["CampRequest"]["properties"];
    assert_eq!(camp["name"]["maxLength"], 50);
    assert_eq!(camp["deposit_fen"]["maximum"], 10_000_000);
    assert!(camp["planet_project_id"]["pattern"].is_string());
}

/// Drops the prose (`summary`, `description`: doc comments), keeping the shape.
fn shape(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, v| {
                !(matches!(key.as_str(), "summary" | "description") && v.is_string())
            });
            map.values_mut().for_each(shape);
        }
        Value::Array(items) => items.iter_mut().for_each(shape),
        _ => {}
    }
}

/// The API's shape (paths, parameters, bodies, responses, schemas and their
/// rules; not the prose) changes only on purpose: review a change with
/// `cargo insta review`; CI (`INSTA_UPDATE=no`) fails on any difference.
#[test]
fn the_document_matches_its_snapshot() {
    let mut doc = document();
    shape(&mut doc);
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn the_served_document_is_the_one_tested() {
    let app = TestApp::spawn().await;
    let served: Value = app
        .anonymous()
        .raw(Method::GET, "/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(served, document());
}
