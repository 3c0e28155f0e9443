//! What a component exports, as a user would name it: interfaces with their
//! functions and WIT-like signatures, plus root-level functions.
//!
//! [`Exports::of`] reads a compiled [`Component`]'s type; [`Exports::find`]
//! resolves a name such as `demo:text/pipeline.process` or `process` to one
//! function. The listing is what errors print when a name does not resolve.

use std::fmt;

use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::wasm_wave::wasm::DisplayType;
use wasmtime::component::{Component, ComponentExportIndex};

/// One exported function.
#[derive(Debug, Clone)]
pub struct ExportedFunc {
    /// The exported instance holding it (`demo:text/pipeline@0.1.0`), or
    /// `None` for a root-level function.
    pub interface: Option<String>,
    /// The function's name.
    pub name: String,
    /// Its type.
    pub ty: ComponentFunc,
    /// Where to find it in an instance of the component.
    pub index: ComponentExportIndex,
}

impl ExportedFunc {
    /// The name to invoke it by: `interface.function` or `function`.
    pub fn qualified_name(&self) -> String {
        match &self.interface {
            Some(interface) => format!("{interface}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The WIT-like signature, e.g. `func(input: string) -> result<string, string>`.
    pub fn signature(&self) -> String {
        // wasm-wave's `DisplayFunc` leaves parameter names out; they are
        // what tells a user which argument is which.
        let params: Vec<String> = self
            .ty
            .params()
            .map(|(name, ty)| format!("{name}: {}", DisplayType(&ty)))
            .collect();
        let results: Vec<String> = self
            .ty
            .results()
            .map(|ty| DisplayType(&ty).to_string())
            .collect();
        let mut signature = format!("func({})", params.join(", "));
        match results.as_slice() {
            [] => {}
            [one] => signature.push_str(&format!(" -> {one}")),
            many => signature.push_str(&format!(" -> ({})", many.join(", "))),
        }
        signature
    }
}

/// Every function a component exports.
#[derive(Debug, Clone)]
pub struct Exports {
    funcs: Vec<ExportedFunc>,
}

/// A name that does not resolve to exactly one exported function.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No function of that name.
    #[error("the artifact exports no function `{name}`\n{exports}")]
    NotFound {
        /// The name asked for.
        name: String,
        /// What the artifact exports.
        exports: Exports,
    },
    /// A bare function name found in several interfaces.
    #[error("function `{name}` is exported by several interfaces; qualify it: {}", candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The qualified names that match.
        candidates: Vec<String>,
    },
}

impl Exports {
    /// The exported functions of `component`, in export order.
    pub fn of(engine: &Engine, component: &Component) -> Self {
        let mut funcs = Vec::new();
        let ty = component.component_type();
        for (name, item) in ty.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(func) => {
                    if let Some(index) = component.get_export_index(None, name) {
                        funcs.push(ExportedFunc {
                            interface: None,
                            name: name.to_string(),
                            ty: func,
                            index,
                        });
                    }
                }
                ComponentItem::ComponentInstance(instance) => {
                    let Some(instance_index) = component.get_export_index(None, name) else {
                        continue;
                    };
                    for (func_name, item) in instance.exports(engine) {
                        if let ComponentItem::ComponentFunc(func) = item.ty
                            && let Some(index) =
                                component.get_export_index(Some(&instance_index), func_name)
                        {
                            funcs.push(ExportedFunc {
                                interface: Some(name.to_string()),
                                name: func_name.to_string(),
                                ty: func,
                                index,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Self { funcs }
    }

    /// All exported functions.
    pub fn funcs(&self) -> &[ExportedFunc] {
        &self.funcs
    }

    /// Resolves `name`:
    /// - `ns:pkg/iface.func` or `ns:pkg/iface@1.2.3.func`: a function of an
    ///   exported interface; the version may be left out when only one
    ///   version is exported;
    /// - `iface.func`: a function of a plainly named exported instance;
    /// - `func`: a root-level function, else the only interface function of
    ///   that name.
    pub fn find(&self, name: &str) -> Result<&ExportedFunc, ResolveError> {
        let not_found = || ResolveError::NotFound {
            name: name.to_string(),
            exports: self.clone(),
        };
        let found = weld_call::matching(name, &self.funcs, |f| {
            (f.interface.as_deref(), f.name.as_str())
        });
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(not_found()),
            many => Err(ResolveError::Ambiguous {
                name: name.to_string(),
                candidates: many.iter().map(|f| f.qualified_name()).collect(),
            }),
        }
    }
}

impl fmt::Display for Exports {
    /// Interfaces in export order, each followed by its functions, e.g.
    ///
    /// ```text
    /// exports:
    ///   demo:text/pipeline
    ///     process: func(input: string) -> result<string, string>
    ///   (root)
    ///     hello: func() -> string
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.funcs.is_empty() {
            return write!(f, "the artifact exports no functions");
        }
        write!(f, "exports:")?;
        let mut current: Option<Option<&str>> = None;
        for func in &self.funcs {
            let interface = func.interface.as_deref();
            if current != Some(interface) {
                write!(f, "\n  {}", interface.unwrap_or("(root)"))?;
                current = Some(interface);
            }
            write!(f, "\n    {}: {}", func.name, func.signature())?;
        }
        Ok(())
    }
}
