//! WIT text of a value type, for error messages: `list<u8>`, `option<order>`,
//! `result<string, auth-error>`, where the type checker only says `list`.

use std::collections::HashMap;

use wac_graph::types::{DefinedType, DefinedTypeId, InterfaceId, ItemKind, Type, Types, ValueType};

/// Names of the value types an interface exports, so that records, variants
/// and the like print as `order` rather than `record`.
pub struct TypeNames(HashMap<DefinedTypeId, String>);

impl TypeNames {
    /// The named types of `interface`.
    pub fn of(interface: InterfaceId, types: &Types) -> Self {
        let names = types[interface]
            .exports
            .iter()
            .filter_map(|(name, kind)| match kind {
                ItemKind::Type(Type::Value(ValueType::Defined(id))) => Some((*id, name.clone())),
                _ => None,
            })
            .collect();
        Self(names)
    }

    /// `ty` as WIT text.
    pub fn text(&self, ty: ValueType, types: &Types) -> String {
        let id = match ty {
            ValueType::Primitive(p) => return p.desc().to_string(),
            ValueType::Borrow(_) => return "borrow<resource>".to_string(),
            ValueType::Own(_) => return "own<resource>".to_string(),
            ValueType::Defined(id) => id,
        };
        if let Some(name) = self.0.get(&id) {
            return name.clone();
        }
        let inner = |t: &ValueType| self.text(*t, types);
        let optional = |t: &Option<ValueType>| t.as_ref().map_or("_".to_string(), inner);
        match &types[id] {
            DefinedType::Tuple(items) => {
                let items: Vec<String> = items.iter().map(inner).collect();
                format!("tuple<{}>", items.join(", "))
            }
            DefinedType::List(t) => format!("list<{}>", inner(t)),
            DefinedType::FixedSizeList(t, n) => format!("list<{}, {n}>", inner(t)),
            DefinedType::Map(k, v) => format!("map<{}, {}>", inner(k), inner(v)),
            DefinedType::Option(t) => format!("option<{}>", inner(t)),
            DefinedType::Result {
                ok: None,
                err: None,
            } => "result".to_string(),
            DefinedType::Result { ok, err: None } => format!("result<{}>", optional(ok)),
            DefinedType::Result { ok, err } => {
                format!("result<{}, {}>", optional(ok), optional(err))
            }
            DefinedType::Alias(t) => inner(t),
            DefinedType::Stream(t) => format!("stream<{}>", optional(t)),
            DefinedType::Future(t) => format!("future<{}>", optional(t)),
            other => other.desc(types).to_string(),
        }
    }
}
