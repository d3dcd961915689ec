//! Validation of JSON bodies against Xero's own OpenAPI document
//! (`xero_accounting.yaml`), with the `jsonschema` crate.
//!
//! The spec is not copied into the project: it is read from a `shared/specs` folder
//! beside the checkout at test time.
//! [`XeroSpec::shared`] finds it through `LEDGERBRIDGE_SPECS_DIR` or next to
//! the workspace; callers skip validation (with a printed notice) when it is
//! absent. The YAML is loaded tolerantly: its `default: "false"` strings where
//! booleans belong (and every other `default`/`example`, which never affect
//! validation) are stripped before the schemas are compiled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

/// Xero's accounting OpenAPI document, ready to validate bodies.
pub struct XeroSpec {
    /// `{"components": {...}}`: the root every compiled `$ref` resolves against.
    components: Value,
    /// `paths` of the document: which schema each operation takes and returns.
    paths: Map<String, Value>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("reading {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("parsing {0}: {1}")]
    Yaml(PathBuf, String),
    #[error("{0} has no components.schemas or paths")]
    Shape(PathBuf),
}

impl XeroSpec {
    /// Where `xero_accounting.yaml` is: `$LEDGERBRIDGE_SPECS_DIR/xero/`, else
    /// `shared/specs/xero/` beside the workspace (or any ancestor of it or of
    /// the current directory).
    pub fn locate() -> Option<PathBuf> {
        if let Ok(dir) = std::env::var("LEDGERBRIDGE_SPECS_DIR") {
            let p = Path::new(&dir).join("xero").join("xero_accounting.yaml");
            if p.is_file() {
                return Some(p);
            }
        }
        let starts = [
            std::env::current_dir().ok(),
            Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
        ];
        for start in starts.into_iter().flatten() {
            for dir in start.ancestors() {
                let p = dir.join("shared/specs/xero/xero_accounting.yaml");
                if p.is_file() {
                    return Some(p);
                }
            }
        }
        None
    }

    /// The spec loaded once per process, or `None` (with a notice on stderr)
    /// when it cannot be found.
    pub fn shared() -> Option<Arc<XeroSpec>> {
        static SPEC: OnceLock<Option<Arc<XeroSpec>>> = OnceLock::new();
        SPEC.get_or_init(|| match Self::locate() {
            None => {
                eprintln!(
                    "notice: Xero OpenAPI spec not found (set LEDGERBRIDGE_SPECS_DIR or put shared/specs beside \
                     the workspace); schema validation is skipped"
                );
                None
            }
            Some(p) => match Self::load(&p) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    eprintln!("notice: Xero OpenAPI spec unusable ({e}); schema validation is skipped");
                    None
                }
            },
        })
        .clone()
    }

    pub fn load(path: &Path) -> Result<XeroSpec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Io(path.into(), e))?;
        let mut doc: Value =
            serde_yaml::from_str(&text).map_err(|e| SpecError::Yaml(path.into(), e.to_string()))?;
        strip_annotations(&mut doc);
        let schemas = doc
            .pointer("/components/schemas")
            .cloned()
            .ok_or_else(|| SpecError::Shape(path.into()))?;
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| SpecError::Shape(path.into()))?;
        Ok(XeroSpec {
            components: json!({ "components": { "schemas": schemas } }),
            paths,
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// Names of every schema in `components.schemas`.
    pub fn has_schema(&self, name: &str) -> bool {
        self.components
            .pointer(&format!("/components/schemas/{name}"))
            .is_some()
    }

    /// Validates `body` against `components.schemas.<name>`; the errors read
    /// `"/Invoices/0/Status: \"DONE\" is not one of …"`.
    pub fn validate(&self, schema: &str, body: &Value) -> Result<(), Vec<String>> {
        let v = self.validator(schema).map_err(|e| vec![e])?;
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

    /// The schema a request body of `METHOD /Path/{Template}` must satisfy.
    pub fn request_schema(&self, method: &str, template: &str) -> Option<String> {
        let op = self.operation(method, template)?;
        let body = op.get("requestBody")?;
        let body = match body.get("$ref").and_then(Value::as_str) {
            // shared request bodies (`#/components/requestBodies/historyRecords`)
            Some(r) if r.ends_with("historyRecords") => return Some("HistoryRecords".into()),
            Some(_) => return None,
            None => body,
        };
        schema_name(body.pointer("/content/application~1json/schema")?)
    }

    /// The schema a response of `METHOD /Path/{Template}` with `status` must satisfy.
    pub fn response_schema(&self, method: &str, template: &str, status: u16) -> Option<String> {
        let op = self.operation(method, template)?;
        let resp = op.get("responses")?.get(status.to_string())?;
        match resp.get("$ref").and_then(Value::as_str) {
            Some(r) if r.ends_with("/400Error") => Some("Error".into()),
            Some(r) if r.ends_with("/HistoryRecordCreated") || r.ends_with("/HistoryRetrieved") => {
                Some("HistoryRecords".into())
            }
            Some(_) => None,
            None => schema_name(resp.pointer("/content/application~1json/schema")?),
        }
    }

    /// Validates a request body; `Ok` when the operation declares none.
    pub fn validate_request(
        &self,
        method: &str,
        template: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        match self.request_schema(method, template) {
            Some(s) => self.validate(&s, body),
            None => Ok(()),
        }
    }

    /// Validates a response body; `Ok` when the operation declares no JSON schema for `status`.
    pub fn validate_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        match self.response_schema(method, template, status) {
            Some(s) => self.validate(&s, body),
            None => Ok(()),
        }
    }

    fn operation(&self, method: &str, template: &str) -> Option<&Value> {
        let rel = template.strip_prefix("/api.xro/2.0").unwrap_or(template);
        self.paths.get(rel)?.get(method.to_ascii_lowercase())
    }

    fn validator(&self, schema: &str) -> Result<Arc<jsonschema::Validator>, String> {
        if let Some(v) = self.validators.lock().unwrap().get(schema) {
            return Ok(v.clone());
        }
        if !self.has_schema(schema) {
            return Err(format!("the spec has no schema {schema}"));
        }
        let mut root = self.components.clone();
        root["$ref"] = Value::String(format!("#/components/schemas/{schema}"));
        // OpenAPI 3.0 schemas are a JSON Schema draft 4/5 dialect
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&root)
            .map_err(|e| format!("compiling schema {schema}: {e}"))?;
        let v = Arc::new(v);
        self.validators
            .lock()
            .unwrap()
            .insert(schema.to_string(), v.clone());
        Ok(v)
    }
}

fn schema_name(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    r.strip_prefix("#/components/schemas/").map(str::to_string)
}

/// Removes `default`, `example` and `examples` everywhere: annotations only,
/// and the spec's `default: "false"` on booleans would otherwise be a typed
/// lie the draft-4 meta-schema or a strict compiler may refuse.
fn strip_annotations(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // only drop them as schema keywords, not as property names
            let is_schema =
                m.contains_key("type") || m.contains_key("$ref") || m.contains_key("enum");
            if is_schema {
                m.remove("default");
                m.remove("example");
                m.remove("examples");
            }
            m.remove("x-example");
            for (_, child) in m.iter_mut() {
                strip_annotations(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_annotations),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_annotations() {
        let mut v = json!({"properties": {"default": {"type": "boolean", "default": "false", "example": "x"}}});
        strip_annotations(&mut v);
        assert_eq!(v, json!({"properties": {"default": {"type": "boolean"}}}));
    }

    #[test]
    fn validates_against_the_real_spec_when_present() {
        let Some(spec) = XeroSpec::shared() else {
            eprintln!("notice: skipped, no spec");
            return;
        };
        assert_eq!(
            spec.request_schema("PUT", "/api.xro/2.0/Invoices")
                .as_deref(),
            Some("Invoices")
        );
        assert_eq!(
            spec.response_schema("PUT", "/Invoices", 400).as_deref(),
            Some("Error")
        );
        assert_eq!(
            spec.response_schema("GET", "/Budgets", 200).as_deref(),
            Some("Budgets")
        );
        assert_eq!(
            spec.request_schema("PUT", "/Invoices/{InvoiceID}/History")
                .as_deref(),
            Some("HistoryRecords")
        );
        let good = json!({"Invoices": [{"Type": "ACCREC", "Status": "DRAFT", "Total": 1.5}]});
        assert!(spec.validate("Invoices", &good).is_ok());
        let bad = json!({"Invoices": [{"Type": "ACCREC", "Status": "DONE", "Total": "x"}]});
        let errs = spec.validate("Invoices", &bad).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs.iter().any(|e| e.starts_with("/Invoices/0/Status")),
            "{errs:?}"
        );
    }
}
