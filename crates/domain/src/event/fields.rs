//! The field names a payload type's JSON has, read from its derived `Deserialize` without
//! an example value: a probe deserializer records the names the payload asks for. Used to
//! hold the forms and the API's documentation to the payloads they fill.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Why the probe stopped (it always stops, once it has the names or knows there are none).
#[derive(Debug)]
pub struct Probed(String);

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Probed(msg.to_string())
    }
}

struct Probe(Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for &mut Probe {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed("not a struct".into()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        self.0 = Some(fields);
        Err(Probed("probed".into()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The field names of a struct's JSON, as its derived `Deserialize` reads them; `None`
/// for a type that is not a struct.
pub fn fields_of<T: de::DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut probe = Probe(None);
    let _ = T::deserialize(&mut probe);
    probe.0
}
