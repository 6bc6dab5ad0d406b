//! Whether a value holds anything to mask, without rebuilding it.
//!
//! The model is masked through its JSON form, so that no field is missed (`run::post`). Building
//! that form for each of 50,000 resources only to find that nothing matches cost more than the
//! parse itself. [`Masker::finds_in`] visits the same strings through serde, builds nothing, and
//! stops at the first string that would be masked; only then is the JSON form built.

use std::fmt;

use serde::ser::{self, Serialize};

use super::Masker;

impl Masker {
    /// True when a string of `value`'s serialised form would be masked: every string, enum
    /// variant name and map key it serialises is looked at. Also true when the value cannot be
    /// serialised, so that the caller takes its thorough path and meets the error there.
    pub fn finds_in<T: Serialize + ?Sized>(&self, value: &T) -> bool {
        !self.is_empty() && value.serialize(Finder { masker: self }).is_err()
    }

    /// True when [`Masker::mask_str`] would change `s`.
    fn matches(&self, s: &str) -> bool {
        if s.contains('\x1b') {
            return !self.spans(s.as_bytes(), 0, s.len()).is_empty();
        }
        self.text
            .as_ref()
            .is_some_and(|re| re.find_iter(s).any(|m| !m.is_empty()))
    }
}

/// A serializer that writes nothing and fails with [`Found`] at the first string to mask.
#[derive(Clone, Copy)]
struct Finder<'a> {
    masker: &'a Masker,
}

impl Finder<'_> {
    fn check(self, s: &str) -> Result<(), Found> {
        if self.masker.matches(s) {
            Err(Found)
        } else {
            Ok(())
        }
    }
}

/// A string to mask was found (or the value reported an error of its own).
#[derive(Debug)]
struct Found;

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value to mask")
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Found
    }
}

impl<'a> ser::Serializer for Finder<'a> {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, _: bool) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Found> {
        self.check(c.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, s: &str) -> Result<(), Found> {
        self.check(s)
    }
    fn serialize_bytes(self, b: &[u8]) -> Result<(), Found> {
        self.check(&String::from_utf8_lossy(b))
    }
    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Found> {
        // JSON writes the variant as a string value, which the JSON masking would rewrite.
        self.check(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        self.check(variant)?;
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        self.check(variant)?;
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        self.check(variant)?;
        Ok(self)
    }
}

/// The compound serializers: each element, value or key is looked at as a value is.
macro_rules! look_at_each {
    ($($trait:ident: fn $method:ident($($name:ident: $ty:ty),*);)*) => {$(
        impl ser::$trait for Finder<'_> {
            type Ok = ();
            type Error = Found;
            fn $method<T: Serialize + ?Sized>(&mut self, $($name: $ty,)* value: &T) -> Result<(), Found> {
                value.serialize(*self)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        }
    )*};
}

look_at_each! {
    SerializeSeq: fn serialize_element();
    SerializeTuple: fn serialize_element();
    SerializeTupleStruct: fn serialize_field();
    SerializeTupleVariant: fn serialize_field();
    // Field names are the type's own identifiers, not data: JSON masking leaves keys alone.
    SerializeStruct: fn serialize_field(_key: &'static str);
    SerializeStructVariant: fn serialize_field(_key: &'static str);
}

impl ser::SerializeMap for Finder<'_> {
    type Ok = ();
    type Error = Found;
    // Keys too: more than the JSON masking rewrites, which only costs a needless slow path.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Found> {
        key.serialize(*self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
        value.serialize(*self)
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::model::{Action, Drift, ResourceChange};

    use super::*;

    fn resource() -> ResourceChange {
        serde_json::from_value(serde_json::json!({
            "address": "module.m.null_resource.a[0]", "module": "module.m",
            "type": "null_resource", "name": "a", "index": "0", "mode": "managed",
            "action": "update", "reason": null, "from_address": null, "import_id": null,
            "imported": false, "replace_order": null, "deposed": null, "section": "envs/prod",
            "diff": "  ~ resource \"null_resource\" \"a\" {\n      ~ token = \"s3cr3t-1\"\n    }\n"
        }))
        .expect("resource")
    }

    /// What `run::post`'s JSON masking looks at: every string value.
    fn json_would_change(value: &serde_json::Value, m: &Masker) -> bool {
        match value {
            serde_json::Value::String(s) => matches!(m.mask_str(s), std::borrow::Cow::Owned(_)),
            serde_json::Value::Array(items) => items.iter().any(|v| json_would_change(v, m)),
            serde_json::Value::Object(map) => map.values().any(|v| json_would_change(v, m)),
            _ => false,
        }
    }

    #[test]
    fn finds_exactly_what_json_masking_would_change() {
        let r = resource();
        // Each string of the resource, and one that is nowhere in it.
        for (values, patterns, expected) in [
            (&["s3cr3t-1"][..], &[][..], true),
            (&["envs/prod"], &[], true),
            (&[], &[r"s3cr3t-\d"], true),
            (&[], &["^module\\.m"], true),
            (&["elsewhere"], &[], false),
            (&[], &["x*"], false),
            (&[], &[], false),
        ] {
            let m = Masker::of(values, patterns);
            let json = serde_json::to_value(&r).expect("json");
            assert_eq!(m.finds_in(&r), expected, "{values:?} {patterns:?}");
            assert_eq!(
                json_would_change(&json, &m),
                expected,
                "{values:?} {patterns:?}"
            );
        }
    }

    #[test]
    fn looks_at_variant_names_map_keys_and_nested_values() {
        let mut drift: Drift = serde_json::from_value(serde_json::json!({
            "address": "x.y", "action": "delete", "diff": null, "section": null
        }))
        .expect("drift");
        assert!(Masker::of(&[], &["^delete$"]).finds_in(&drift));
        drift.action = Action::Update;
        assert!(!Masker::of(&[], &["^delete$"]).finds_in(&drift));
        let map = BTreeMap::from([("k3y-secret", vec![Some("v")])]);
        assert!(Masker::of(&["k3y-secret"], &[]).finds_in(&map));
        assert!(!Masker::of(&["k3y-secret"], &[]).finds_in(&BTreeMap::from([("k", "v")])));
        assert!(Masker::of(&["deep"], &[]).finds_in(&vec![vec![Some("so deep")]]));
    }
}
