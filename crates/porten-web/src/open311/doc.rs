//! One document, written as Open311's XML or JSON: XML with a root element
//! and no namespaces, JSON without the root (a list is a bare array).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use porten_domain::open311::Format;

/// A value of a document.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Text(String),
    /// Named fields, in order.
    Object(Vec<(&'static str, Value)>),
    /// A list whose XML items are elements named by the first part.
    List(&'static str, Vec<Value>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// Text, or null when absent.
    pub fn opt(s: Option<impl Into<String>>) -> Self {
        s.map_or(Value::Null, |s| Value::Text(s.into()))
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Num(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into),
            Value::Text(s) => s.clone().into(),
            Value::Object(fields) => fields.iter().map(|(k, v)| ((*k).to_owned(), v.json())).collect(),
            Value::List(_, items) => items.iter().map(Value::json).collect(),
        }
    }

    fn xml(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Num(n) => out.push_str(&n.to_string()),
            Value::Text(s) => escape(s, out),
            Value::Object(fields) => {
                for (name, value) in fields {
                    element(name, value, out);
                }
            }
            Value::List(item, items) => {
                for value in items {
                    element(item, value, out);
                }
            }
        }
    }
}

fn element(name: &str, value: &Value, out: &mut String) {
    if *value == Value::Null {
        out.push_str(&format!("<{name}/>"));
        return;
    }
    out.push_str(&format!("<{name}>"));
    value.xml(out);
    out.push_str(&format!("</{name}>"));
}

/// XML text: the five special characters escaped, and characters XML 1.0
/// cannot carry left out.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// A document in the format asked for, with its root element's name.
pub fn respond(format: Format, status: StatusCode, root: &str, body: &Value) -> Response {
    let (text, content_type) = match format {
        Format::Json => (body.json().to_string(), "application/json; charset=utf-8"),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            element(root, body, &mut out);
            (out, "text/xml; charset=utf-8")
        }
    };
    let mut res = (status, text).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// The spec's errors: `<errors><error><code/><description/></error></errors>`,
/// or a JSON array of `{code, description}`.
pub fn errors(format: Format, status: StatusCode, descriptions: &[String]) -> Response {
    let list = descriptions
        .iter()
        .map(|d| Value::Object(vec![("code", Value::Int(i64::from(status.as_u16()))), ("description", Value::text(d))]))
        .collect();
    respond(format, status, "errors", &Value::List("error", list))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(res: Response) -> (String, String) {
        let ct = res.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        let bytes = futures_executor(res);
        (ct, bytes)
    }

    fn futures_executor(res: Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 20)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn a_list_is_a_root_element_in_xml_and_a_bare_array_in_json() {
        let doc = Value::List(
            "service",
            vec![Value::Object(vec![
                ("service_code", Value::text("pothole")),
                ("service_name", Value::text("Hål & gropar <väg>")),
                ("metadata", Value::Bool(true)),
                ("group", Value::Null),
            ])],
        );
        let (ct, xml) = body(respond(Format::Xml, StatusCode::OK, "services", &doc));
        assert_eq!(ct, "text/xml; charset=utf-8");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>pothole</service_code>\
             <service_name>Hål &amp; gropar &lt;väg&gt;</service_name><metadata>true</metadata><group/></service></services>"
        );
        let (ct, json) = body(respond(Format::Json, StatusCode::OK, "services", &doc));
        assert_eq!(ct, "application/json; charset=utf-8");
        assert_eq!(
            json,
            r#"[{"group":null,"metadata":true,"service_code":"pothole","service_name":"Hål & gropar <väg>"}]"#
        );
    }

    #[test]
    fn errors_carry_the_status_as_their_code() {
        let (_, xml) = body(errors(Format::Xml, StatusCode::FORBIDDEN, &["api_key is missing".into()]));
        assert!(xml.ends_with(
            "<errors><error><code>403</code><description>api_key is missing</description></error></errors>"
        ));
        let (_, json) = body(errors(Format::Json, StatusCode::BAD_REQUEST, &["a".into(), "b".into()]));
        assert_eq!(json, r#"[{"code":400,"description":"a"},{"code":400,"description":"b"}]"#);
    }
}
