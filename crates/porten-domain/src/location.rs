//! Where an errand is (*plats*, issue 21): an address as text, optional
//! coordinates in WGS 84 and an optional reference to a place, such as a
//! lamp post's id. Text comes first: every page shows the address and the
//! coordinates as words, and a map is only ever an addition.

use serde::{Deserialize, Serialize};

use crate::Violations;

/// The longest address kept, in characters.
pub const MAX_ADDRESS: usize = 200;
/// The longest place reference kept, in characters.
pub const MAX_PLACE_REF: usize = 100;

/// A point in WGS 84, in decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub long: f64,
}

/// Coordinates are finite (a [`Location`] is parsed so), so equality is total.
impl Eq for Point {}

/// An errand's location; at least one of its parts is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The address as the reporter gave it ("Sjögatan 14, Sundsvall").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<Point>,
    /// A reference to a known place: a lamp post's or a bin's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_ref: Option<String>,
}

/// A location as it arrives from a form, the API or Open311: text only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RawLocation {
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<String>,
    #[serde(default)]
    pub long: Option<String>,
    #[serde(default)]
    pub place_ref: Option<String>,
}

impl RawLocation {
    /// True when nothing was given (empty strings count as nothing).
    pub fn is_empty(&self) -> bool {
        [&self.address, &self.lat, &self.long, &self.place_ref]
            .iter()
            .all(|p| p.as_deref().is_none_or(|s| s.trim().is_empty()))
    }
}

/// A part that was given: trimmed, not blank.
fn given(part: &Option<String>) -> Option<&str> {
    part.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Reads a coordinate: decimal degrees, with a point or a Swedish decimal
/// comma, inside `-limit..=limit`.
fn degrees(raw: &str, limit: f64) -> Option<f64> {
    let value: f64 = raw.trim().replace(',', ".").parse().ok()?;
    (value.is_finite() && value.abs() <= limit).then_some(value)
}

/// Reads a point typed as one answer: latitude then longitude, separated by
/// a comma, a semicolon or a space, with points or Swedish decimal commas
/// ("62.3908, 17.3069", "62,3908 17,3069", "62.3908;17.3069").
pub fn parse_coordinates(raw: &str) -> Option<Point> {
    let raw = raw.trim();
    let parts: Vec<&str> = if raw.contains(';') {
        raw.split(';').collect()
    } else if raw.split_whitespace().count() == 2 {
        raw.split_whitespace().map(|p| p.trim_end_matches(',')).collect()
    } else {
        raw.split(',').collect()
    };
    match parts.as_slice() {
        [lat, long] => Some(Point { lat: degrees(lat, 90.0)?, long: degrees(long, 180.0)? }),
        _ => None,
    }
}

impl Location {
    /// Validates a raw location; violations are named `{prefix}address`,
    /// `{prefix}lat`, `{prefix}long` and `{prefix}place_ref`. `None` when
    /// nothing was given or something was invalid.
    pub fn parse(raw: &RawLocation, prefix: &str, v: &mut Violations) -> Option<Location> {
        if raw.is_empty() {
            return None;
        }
        let before = v.0.len();
        let field = |name: &str| format!("{prefix}{name}");
        let address = v.optional_text(&field("address"), raw.address.as_deref(), MAX_ADDRESS);
        let place_ref = v.optional_text(&field("place_ref"), raw.place_ref.as_deref(), MAX_PLACE_REF);
        let point = match (given(&raw.lat), given(&raw.long)) {
            (None, None) => None,
            (Some(lat), Some(long)) => {
                let lat = degrees(lat, 90.0);
                let long = degrees(long, 180.0);
                if lat.is_none() {
                    v.push(field("lat"), "invalid", "a latitude in decimal degrees (WGS 84), -90 to 90");
                }
                if long.is_none() {
                    v.push(field("long"), "invalid", "a longitude in decimal degrees (WGS 84), -180 to 180");
                }
                lat.zip(long).map(|(lat, long)| Point { lat, long })
            }
            (Some(_), None) => {
                v.push(field("long"), "required", "give the longitude with the latitude");
                None
            }
            (None, Some(_)) => {
                v.push(field("lat"), "required", "give the latitude with the longitude");
                None
            }
        };
        (v.0.len() == before).then_some(Location { address, point, place_ref })
    }

    /// The location as one line of text: the address, then the place and
    /// the coordinates ("Sjögatan 14 · stolpe 4711 · 62.39080, 17.30690").
    pub fn text(&self) -> String {
        let point = self.point.map(|p| format!("{:.5}, {:.5}", p.lat, p.long));
        [self.address.clone(), self.place_ref.clone(), point].into_iter().flatten().collect::<Vec<_>>().join(" · ")
    }

    /// The raw form of this location, for putting it back into a form.
    pub fn raw(&self) -> RawLocation {
        RawLocation {
            address: self.address.clone(),
            lat: self.point.map(|p| p.lat.to_string()),
            long: self.point.map(|p| p.long.to_string()),
            place_ref: self.place_ref.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(address: &str, lat: &str, long: &str) -> RawLocation {
        let some = |s: &str| Some(s.to_owned());
        RawLocation { address: some(address), lat: some(lat), long: some(long), place_ref: None }
    }

    #[test]
    fn an_address_coordinates_and_a_place_are_kept_and_shown_as_text() {
        let mut v = Violations::new();
        let mut given = raw(" Sjögatan 14 ", "62,3908", "17.3069");
        given.place_ref = Some("stolpe 4711".into());
        let l = Location::parse(&given, "", &mut v).unwrap();
        assert!(v.is_empty());
        assert_eq!(l.address.as_deref(), Some("Sjögatan 14"));
        assert_eq!(l.point, Some(Point { lat: 62.3908, long: 17.3069 }), "a decimal comma is read as a point");
        assert_eq!(l.text(), "Sjögatan 14 · stolpe 4711 · 62.39080, 17.30690");
        assert_eq!(Location::parse(&l.raw(), "", &mut v), Some(l), "what a form shows again reads the same");
        let only_point = Location::parse(&raw("", "62.39", "17.31"), "", &mut v).unwrap();
        assert_eq!((only_point.text(), only_point.address), ("62.39000, 17.31000".to_owned(), None));
    }

    #[test]
    fn coordinates_typed_as_one_answer_are_read_in_the_ways_people_write_them() {
        let at = Some(Point { lat: 62.3908, long: 17.3069 });
        for typed in ["62.3908, 17.3069", "62.3908,17.3069", "62,3908 17,3069", "62,3908, 17,3069", " 62.3908;17.3069 "]
        {
            assert_eq!(parse_coordinates(typed), at, "{typed}");
        }
        for wrong in ["nära busshållplatsen", "62.3908", "62.39, 17.30, 3", "95, 17", "62, 200", ""] {
            assert_eq!(parse_coordinates(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn nothing_given_is_no_location_and_bad_coordinates_are_named() {
        let mut v = Violations::new();
        assert_eq!(Location::parse(&raw(" ", "", ""), "", &mut v), None);
        assert!(v.is_empty(), "nothing given is no error");
        for (lat, long, field, code) in [
            ("nära busshållplatsen", "17.3", "location.lat", "invalid"),
            ("91", "17.3", "location.lat", "invalid"),
            ("62.3", "181", "location.long", "invalid"),
            ("62.3", "NaN", "location.long", "invalid"),
            ("62.3", "", "location.long", "required"),
            ("", "17.3", "location.lat", "required"),
        ] {
            let mut v = Violations::new();
            assert_eq!(Location::parse(&raw("Sjögatan 14", lat, long), "location.", &mut v), None, "{lat} {long}");
            assert_eq!((v.0[0].field.as_str(), v.0[0].code), (field, code), "{lat} {long}");
        }
        let mut v = Violations::new();
        assert_eq!(Location::parse(&raw(&"x".repeat(MAX_ADDRESS + 1), "", ""), "", &mut v), None);
        assert_eq!(v.0[0].field, "address");
    }
}
