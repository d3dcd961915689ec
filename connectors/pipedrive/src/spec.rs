//! Validation of JSON bodies against Pipedrive's own OpenAPI documents
//! (`v1.yaml` and `v2.yaml`), with the `jsonschema` crate, and the
//! `x-token-cost` each operation declares.
//!
//! The specs are not copied into the project: they are looked up in a
//! `shared/specs/pipedrive` folder beside the workspace. [`PipedriveSpec::shared`] finds them through
//! `LEDGERBRIDGE_SPECS_DIR` or the ancestors of the workspace and of the
//! current directory; callers skip validation (with a printed notice) when
//! they are absent.
//!
//! Pipedrive's schemas are inline in each operation (no `$ref`), written in
//! OpenAPI 3.0's dialect. Before compiling, the loader turns that dialect into
//! plain JSON Schema: `nullable: true` becomes a `null` alternative, and the
//! annotations (`example`, `default`, `x-*`), which never affect validation,
//! are dropped. One erratum is corrected: `additional_data.next_cursor` is
//! declared a non-nullable string on most v2 lists, while the same spec says
//! in prose that it is `null` on the last page (and declares it nullable on the
//! field listings); it is made nullable everywhere.
//!
//! Operations that declare no body for an error status are checked against the
//! error shape the v2 spec declares for its 404s (`success`, `error`,
//! `error_info`, `data`, `additional_data`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// Which of Pipedrive's two APIs a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// `/v1/...`
    V1,
    /// `/api/v2/...`
    V2,
}

impl Api {
    /// Splits `/api/v2/deals/{id}` into (`V2`, `/deals/{id}`).
    pub fn split(template: &str) -> Option<(Api, &str)> {
        if let Some(rest) = template.strip_prefix("/api/v2") {
            Some((Api::V2, rest))
        } else {
            template.strip_prefix("/v1").map(|rest| (Api::V1, rest))
        }
    }
}

/// Pipedrive's v1 and v2 OpenAPI documents, ready to validate bodies.
pub struct PipedriveSpec {
    v1: Map<String, Value>,
    v2: Map<String, Value>,
    /// The v2 spec's 404 body, the shape every error without its own schema is checked against.
    error_schema: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("reading {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("parsing {0}: {1}")]
    Yaml(PathBuf, String),
    #[error("{0}: {1}")]
    Shape(PathBuf, &'static str),
}

impl PipedriveSpec {
    /// The folder holding `v1.yaml` and `v2.yaml`: `$LEDGERBRIDGE_SPECS_DIR/pipedrive/`,
    /// else `shared/specs/pipedrive/` in an ancestor of the current directory or of this crate.
    pub fn locate() -> Option<PathBuf> {
        let ok = |d: &Path| d.join("v1.yaml").is_file() && d.join("v2.yaml").is_file();
        if let Ok(dir) = std::env::var("LEDGERBRIDGE_SPECS_DIR") {
            let d = Path::new(&dir).join("pipedrive");
            if ok(&d) {
                return Some(d);
            }
        }
        let starts = [
            std::env::current_dir().ok(),
            Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        ];
        for start in starts.into_iter().flatten() {
            for dir in start.ancestors() {
                let d = dir.join("shared/specs/pipedrive");
                if ok(&d) {
                    return Some(d);
                }
            }
        }
        None
    }

    /// The specs loaded once per process, or `None` (with a notice on stderr)
    /// when they cannot be found.
    pub fn shared() -> Option<Arc<PipedriveSpec>> {
        static SPEC: OnceLock<Option<Arc<PipedriveSpec>>> = OnceLock::new();
        SPEC.get_or_init(|| match Self::locate() {
            None => {
                eprintln!(
                    "notice: Pipedrive OpenAPI specs not found (set LEDGERBRIDGE_SPECS_DIR or put \
                     shared/specs beside the workspace); schema validation is skipped"
                );
                None
            }
            Some(dir) => match Self::load(&dir) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    eprintln!("notice: Pipedrive OpenAPI specs unusable ({e}); schema validation is skipped");
                    None
                }
            },
        })
        .clone()
    }

    /// Loads `v1.yaml` and `v2.yaml` from `dir`.
    pub fn load(dir: &Path) -> Result<PipedriveSpec, SpecError> {
        let v1 = load_paths(&dir.join("v1.yaml"))?;
        let v2 = load_paths(&dir.join("v2.yaml"))?;
        let error_schema = v2
            .get("/deals/{id}/convert/status/{conversion_id}")
            .and_then(|p| p.pointer("/get/responses/404/content/application~1json/schema"))
            .cloned()
            .ok_or_else(|| SpecError::Shape(dir.join("v2.yaml"), "no 404 error schema"))?;
        Ok(PipedriveSpec {
            v1,
            v2,
            error_schema,
            validators: Mutex::new(HashMap::new()),
        })
    }

    fn operation(&self, method: &str, template: &str) -> Option<&Value> {
        let (api, rel) = Api::split(template)?;
        let paths = match api {
            Api::V1 => &self.v1,
            Api::V2 => &self.v2,
        };
        paths.get(rel)?.get(method.to_ascii_lowercase())
    }

    /// Whether the spec has `METHOD /api/v2/...` (or `/v1/...`).
    pub fn has_operation(&self, method: &str, template: &str) -> bool {
        self.operation(method, template).is_some()
    }

    /// The `x-token-cost` the spec declares for an operation.
    pub fn token_cost(&self, method: &str, template: &str) -> Option<u64> {
        self.operation(method, template)?
            .get("x-token-cost")?
            .as_u64()
    }

    /// Validates a request body; `Ok` when the operation declares no JSON body.
    pub fn validate_request(
        &self,
        method: &str,
        template: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let key = format!("req {method} {template}");
        let schema = self
            .operation(method, template)
            .and_then(|op| op.pointer("/requestBody/content/application~1json/schema"));
        match schema {
            Some(s) => self.check(&key, s, body),
            None => Ok(()),
        }
    }

    /// Validates a response body against what the operation declares for
    /// `status`; an error status it does not declare is checked against the
    /// spec's error shape. `Err` names an operation the spec does not have.
    pub fn validate_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let Some(op) = self.operation(method, template) else {
            return Err(vec![format!(
                "the spec has no operation {method} {template}"
            )]);
        };
        let declared = op
            .get("responses")
            .and_then(|r| r.get(status.to_string()))
            .and_then(|r| r.pointer("/content/application~1json/schema"));
        let key = format!("resp {method} {template} {status}");
        match declared {
            Some(s) => self.check(&key, s, body),
            None if status >= 400 => self.check("error", &self.error_schema, body),
            None => Err(vec![format!(
                "the spec declares no {status} response for {method} {template}"
            )]),
        }
    }

    /// Validates `body` against any schema of the spec (a webhook payload's
    /// `data` against the object's GET schema, for instance).
    pub fn validate_with(
        &self,
        key: &str,
        schema: &Value,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        self.check(key, schema, body)
    }

    /// The JSON schema of `data` in the 200 response of an operation.
    pub fn response_data_schema(&self, method: &str, template: &str) -> Option<Value> {
        let op = self.operation(method, template)?;
        let s = op.pointer("/responses/200/content/application~1json/schema")?;
        find_property(s, "data").cloned()
    }

    fn check(&self, key: &str, schema: &Value, body: &Value) -> Result<(), Vec<String>> {
        let v = self.validator(key, schema).map_err(|e| vec![e])?;
        let errors: Vec<String> = v
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn validator(&self, key: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
        if let Some(v) = self.validators.lock().unwrap().get(key) {
            return Ok(v.clone());
        }
        // OpenAPI 3.0 schemas are a JSON Schema draft 4/5 dialect
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| format!("compiling the schema of {key}: {e}"))?;
        let v = Arc::new(v);
        self.validators
            .lock()
            .unwrap()
            .insert(key.to_string(), v.clone());
        Ok(v)
    }
}

fn load_paths(path: &Path) -> Result<Map<String, Value>, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::Io(path.into(), e))?;
    let mut doc: Value =
        serde_yaml::from_str(&text).map_err(|e| SpecError::Yaml(path.into(), e.to_string()))?;
    to_json_schema(&mut doc);
    match doc.get_mut("paths").map(Value::take) {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(SpecError::Shape(path.into(), "no paths")),
    }
}

/// A property's schema, looking through `allOf` (Pipedrive composes its
/// response bodies from a `success` part and a `data` part).
fn find_property<'a>(s: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(p) = s.get("properties").and_then(|p| p.get(name)) {
        return Some(p);
    }
    s.get("allOf")?
        .as_array()?
        .iter()
        .find_map(|part| find_property(part, name))
}

fn is_schema(m: &Map<String, Value>) -> bool {
    [
        "type",
        "properties",
        "allOf",
        "oneOf",
        "anyOf",
        "items",
        "enum",
    ]
    .iter()
    .any(|k| m.contains_key(*k))
}

/// OpenAPI 3.0 → JSON Schema, in place (see the module comment).
fn to_json_schema(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with("x-") || k == "x-token-cost");
            if is_schema(m) {
                m.remove("example");
                m.remove("examples");
                m.remove("default");
                if let Some(Value::Object(props)) = m.get_mut("properties")
                    && let Some(Value::Object(cursor)) = props.get_mut("next_cursor")
                    && cursor.get("type") == Some(&Value::String("string".into()))
                {
                    cursor.insert("nullable".into(), Value::Bool(true));
                }
            }
            for (k, child) in m.iter_mut() {
                // `properties` maps names to schemas: a property may be called `example`
                if k != "example" && k != "examples" {
                    to_json_schema(child);
                }
            }
            if m.remove("nullable") == Some(Value::Bool(true)) {
                allow_null(m);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

fn allow_null(m: &mut Map<String, Value>) {
    if let Some(Value::Array(e)) = m.get_mut("enum")
        && !e.contains(&Value::Null)
    {
        e.push(Value::Null);
    }
    match m.get("type").cloned() {
        Some(Value::String(t)) => {
            m.insert(
                "type".into(),
                Value::Array(vec![Value::String(t), "null".into()]),
            );
        }
        Some(_) => {}
        None => {
            let inner = Value::Object(std::mem::take(m));
            m.insert(
                "anyOf".into(),
                Value::Array(vec![inner, serde_json::json!({"type": "null"})]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_becomes_a_null_alternative() {
        let mut v = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true, "example": "x"},
            "b": {"allOf": [{"type": "integer"}], "nullable": true},
            "example": {"type": "integer"},
            "next_cursor": {"type": "string"}
        }});
        to_json_schema(&mut v);
        assert_eq!(v["properties"]["a"], json!({"type": ["string", "null"]}));
        assert_eq!(v["properties"]["b"]["anyOf"][1], json!({"type": "null"}));
        assert_eq!(v["properties"]["example"], json!({"type": "integer"}));
        assert_eq!(
            v["properties"]["next_cursor"],
            json!({"type": ["string", "null"]})
        );
    }

    #[test]
    fn validates_against_the_real_specs_when_present() {
        let Some(spec) = PipedriveSpec::shared() else {
            eprintln!("notice: skipped, no spec");
            return;
        };
        assert_eq!(spec.token_cost("GET", "/api/v2/deals"), Some(10));
        assert_eq!(spec.token_cost("GET", "/api/v2/deals/{id}"), Some(1));
        assert_eq!(spec.token_cost("GET", "/v1/notes"), Some(20));
        let good = json!({"success": true, "data": [{"id": 1, "title": "x", "value": 10.5, "probability": null}],
            "additional_data": {"next_cursor": null}});
        assert!(
            spec.validate_response("GET", "/api/v2/deals", 200, &good)
                .is_ok()
        );
        let bad = json!({"success": true, "data": [{"id": "1", "value": "10"}]});
        let errs = spec
            .validate_response("GET", "/api/v2/deals", 200, &bad)
            .unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        let err = json!({"success": false, "error": "Deal not found", "error_info": "x", "data": null, "additional_data": null});
        assert!(
            spec.validate_response("GET", "/api/v2/deals/{id}", 404, &err)
                .is_ok()
        );
        assert!(
            spec.validate_request("POST", "/api/v2/deals", &json!({"value": 1}))
                .is_err()
        );
        assert!(
            spec.validate_request("POST", "/api/v2/deals", &json!({"title": "t"}))
                .is_ok()
        );
    }
}
