//! The serde types of the network file format (version 1), read by [`super::read`] and written
//! by [`super::write`]: the document exactly as it is spelled, before any name is resolved or
//! literal rounded. Fields that are left out on reading are left out on writing.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// The file format version this crate reads and writes.
pub const VERSION: u64 = 1;

/// A literal: a JSON string (numbers are refused, since JSON readers round them to binary64
/// before this crate could round them to the node's format).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct Literal(pub String);

impl<'de> Deserialize<'de> for Literal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Literal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Literal;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a literal string such as \"0.5\", \"-1e-3\" or \"0x1.8p-1\" (JSON numbers are not accepted: they would be rounded twice)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Literal, E> {
                Ok(Literal(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A parameter: inline literals, or `"@name"` of a tensor in the safetensors file.
#[derive(Debug)]
pub(crate) enum Param<T> {
    /// `"@name"`: the tensor `name`.
    Tensor(String),
    /// The literals themselves.
    Inline(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Param<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Param<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Param<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of literals or \"@NAME\" naming a tensor")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Param<T>, E> {
                match v.strip_prefix('@') {
                    Some(name) => Ok(Param::Tensor(name.to_string())),
                    None => Err(E::custom(format!(
                        "expected an array of literals or \"@NAME\" naming a tensor, got the string {v:?}"
                    ))),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Param<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Param::Inline)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Param<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Param::Tensor(name) => s.serialize_str(&format!("@{name}")),
            Param::Inline(values) => values.serialize(s),
        }
    }
}

/// `"inputs"`: a count (one input called `input` in the network's format) or a list.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum InputsSpec {
    /// `"inputs": N`.
    Count(u64),
    /// `"inputs": [{"name", "size", "format"}, ...]`.
    List(Vec<InputSpec>),
}

impl<'de> Deserialize<'de> for InputsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<InputsSpec, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InputsSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a positive integer or an array of {\"name\", \"size\"} objects")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<InputsSpec, E> {
                Ok(InputsSpec::Count(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<InputsSpec, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(InputsSpec::List)
            }
        }
        d.deserialize_any(V)
    }
}

/// One named input.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputSpec {
    pub name: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The whole document.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tensors: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    pub inputs: InputsSpec,
    pub layers: Vec<LayerSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// One layer: a name, an input, a format, and exactly one kind.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LayerSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affine: Option<AffineSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<ActivationField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concat: Option<Vec<String>>,
}

/// `"affine"`: weights, bias and accumulation order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AffineSpec {
    pub weights: Param<Vec<Vec<Literal>>>,
    #[serde(default)]
    pub bias: Option<Param<Vec<Literal>>>,
    #[serde(default)]
    pub order: Option<String>,
}

impl Serialize for AffineSpec {
    /// The order first (a short field ahead of the matrix), then weights and bias.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n_fields = 1 + usize::from(self.bias.is_some()) + usize::from(self.order.is_some());
        let mut st = s.serialize_struct("AffineSpec", n_fields)?;
        if let Some(order) = &self.order {
            st.serialize_field("order", order)?;
        }
        st.serialize_field("weights", &self.weights)?;
        if let Some(bias) = &self.bias {
            st.serialize_field("bias", bias)?;
        }
        st.end()
    }
}

/// An activation with its options (the object form of `"activation"`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActivationSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kink: Option<Literal>,
}

/// `"activation"`: a name, or an object with the name and options. Written as the bare name
/// when no option is set.
#[derive(Debug)]
pub(crate) struct ActivationField(pub ActivationSpec);

impl<'de> Deserialize<'de> for ActivationField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ActivationField, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ActivationField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an activation name such as \"relu\", or an object {\"name\", \"value\", \"derivative\", \"kink\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ActivationField, E> {
                let name = v.to_string();
                Ok(ActivationField(ActivationSpec {
                    name,
                    value: None,
                    derivative: None,
                    kink: None,
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ActivationField, A::Error> {
                ActivationSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ActivationField)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for ActivationField {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let spec = &self.0;
        if spec.value.is_none() && spec.derivative.is_none() && spec.kink.is_none() {
            s.serialize_str(&spec.name)
        } else {
            spec.serialize(s)
        }
    }
}
