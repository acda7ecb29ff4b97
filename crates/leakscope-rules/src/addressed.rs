//! Reading the recipient of a rule-file table: a `[[rule]]`, an `[[ignore]]` and the
//! `[tracker]` each name it with the same three fields (`domains`, `hosts`, `paths`), which are
//! read here, once, into the table's [`RecipientPattern`].
//!
//! serde's `flatten` would do this, but not together with `deny_unknown_fields` without losing
//! the list of the fields a table takes from the error for a misspelt one (`domain` for
//! `domains`). So a table's own fields are read by its derived `Deserialize`, and
//! [`WithRecipient`] lends it the file's table with the recipient's fields taken out: a field
//! that neither knows is refused here, at the field's line, with every field the table takes.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

use crate::recipient::RecipientPattern;

/// A rule-file table that names a recipient beside its own fields.
pub(crate) trait Addressed {
    /// The field after which an error for an unknown field lists the recipient's fields (where
    /// the table's documentation has them).
    const RECIPIENT_AFTER: &'static str;

    /// Where the recipient read from the table goes.
    fn recipient_mut(&mut self) -> &mut RecipientPattern;
}

/// The recipient's fields, as a rule file names them.
const RECIPIENT_FIELDS: [&str; 3] = ["domains", "hosts", "paths"];

/// A table read as `T` with its recipient.
pub(crate) struct WithRecipient<T>(pub(crate) T);

impl<'de, T: Addressed + Deserialize<'de>> Deserialize<'de> for WithRecipient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TableVisitor(PhantomData))
    }
}

struct TableVisitor<T>(PhantomData<T>);

impl<'de, T: Addressed + Deserialize<'de>> Visitor<'de> for TableVisitor<T> {
    type Value = WithRecipient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut recipient = RecipientPattern::default();
        let mut table = T::deserialize(OwnFields {
            map,
            recipient: &mut recipient,
            fields: &[],
            after: T::RECIPIENT_AFTER,
        })?;
        *table.recipient_mut() = recipient;
        Ok(WithRecipient(table))
    }
}

/// The file's table as the derived `Deserialize` of a table type sees it: its own fields only.
struct OwnFields<'r, A> {
    map: A,
    recipient: &'r mut RecipientPattern,
    /// The table type's own fields (as its derived `Deserialize` names them).
    fields: &'static [&'static str],
    after: &'static str,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for OwnFields<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.fields = fields;
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for OwnFields<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let key = self.map.next_key_seed(KeySeed {
                fields: self.fields,
                after: self.after,
            })?;
            match key {
                None => return Ok(None),
                Some(Key::Own(name)) => {
                    return seed.deserialize(name.into_deserializer()).map(Some);
                }
                Some(Key::Recipient(n)) => {
                    let globs: Vec<String> = self.map.next_value()?;
                    match n {
                        0 => self.recipient.domains = globs,
                        1 => self.recipient.hosts = globs,
                        _ => self.recipient.paths = globs,
                    }
                }
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key of the file's table: one of the recipient's fields (by its place in
/// [`RECIPIENT_FIELDS`]), or the table's own.
enum Key {
    Recipient(usize),
    Own(String),
}

/// Reads a key, and refuses one that is neither the recipient's nor one of `fields`.
struct KeySeed {
    fields: &'static [&'static str],
    after: &'static str,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        if let Some(n) = RECIPIENT_FIELDS.iter().position(|&f| f == key) {
            return Ok(Key::Recipient(n));
        }
        if self.fields.is_empty() || self.fields.contains(&key) {
            return Ok(Key::Own(key.to_owned()));
        }
        // serde's own wording, with the recipient's fields where the table lists them.
        let mut expected = Vec::new();
        for &field in self.fields {
            expected.push(field);
            if field == self.after {
                expected.extend(RECIPIENT_FIELDS);
            }
        }
        let expected: Vec<String> = expected.iter().map(|f| format!("`{f}`")).collect();
        Err(E::custom(format_args!(
            "unknown field `{key}`, expected one of {}",
            expected.join(", ")
        )))
    }
}
