//! Specializes the prebuilt router's core module for one pipeline.
//!
//! The router (composer/glue/http-router) calls its stages through two imports,
//! `weld:http-router/dispatch.{handler, middleware}(index, request)`. Here each of those
//! imports becomes a function of the module that switches on `index` and calls one
//! import per stage (`handler-<stage>.handle`, `middleware-<stage>.handle`): the stages
//! are then called directly, with no component in between and no extra copy of the
//! request. The routing table is written into the router's reserved buffer as one
//! more data segment, and the two exports that located the buffer are dropped.

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportSection, Function, FunctionSection,
    ImportSection, Instruction, NameMap, NameSection, TypeSection, ValType,
    reencode::{self, Reencode},
};
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

/// The module name of the router's dispatch imports (any version).
const DISPATCH: &str = "weld:http-router/dispatch@";
/// The exports that locate the routing table's buffer.
const TABLE_EXPORT: &str = "weld_route_table";
const TABLE_SIZE_EXPORT: &str = "weld_route_table_size";

/// Why the router cannot be specialized: the prebuilt module is not what this Weld
/// expects (rebuild it with `scripts/build-glue`), or the table does not fit.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The module lacks an expected import, export or section.
    #[error(
        "the prebuilt HTTP router {0} (rebuild it with `scripts/build-glue`; this is a bug in Weld)"
    )]
    Unexpected(String),
    /// The routes do not fit the router's buffer.
    #[error("the routing table takes {size} bytes, more than the router's {capacity}")]
    TooLarge {
        /// The table's size.
        size: usize,
        /// The buffer's.
        capacity: u32,
    },
    /// The module does not parse or re-encode.
    #[error("the prebuilt HTTP router cannot be read (this is a bug in Weld)")]
    Read(#[from] reencode::Error),
}

impl From<wasmparser::BinaryReaderError> for RouterError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        RouterError::Read(e.into())
    }
}

/// The stages one dispatch import calls: import module names, by index.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    /// `handler-<stage>` for each handler index.
    pub handlers: &'a [String],
    /// `middleware-<stage>` for each middleware index.
    pub middleware: &'a [String],
}

/// `router` (a core module without component metadata) calling `targets`, with
/// `table` in its buffer.
pub fn specialize(
    router: &[u8],
    table: &[u8],
    targets: Targets<'_>,
) -> Result<Vec<u8>, RouterError> {
    let layout = Layout::read(router)?;
    if table.len() > layout.table_capacity as usize {
        return Err(RouterError::TooLarge {
            size: table.len(),
            capacity: layout.table_capacity,
        });
    }
    let mut specializer = Specializer {
        layout,
        targets,
        table,
    };
    let mut module = wasm_encoder::Module::new();
    specializer.parse_core_module(&mut module, Parser::new(0), router)?;
    Ok(module.finish())
}

/// One of the router's dispatch imports.
#[derive(Debug, Clone)]
struct Dispatch {
    /// `handler` or `middleware`.
    name: String,
    /// Its function index.
    index: u32,
    /// Its core type: `(index, request..., return area) -> ()`.
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Its type index.
    ty: u32,
}

/// What the specializer needs to know before rewriting.
#[derive(Debug)]
struct Layout {
    types: u32,
    function_imports: u32,
    defined_functions: u32,
    /// `handler` first, then `middleware`.
    dispatch: Vec<Dispatch>,
    table_address: u32,
    table_capacity: u32,
}

impl Layout {
    fn read(router: &[u8]) -> Result<Self, RouterError> {
        let mut types: Vec<(Vec<ValType>, Vec<ValType>)> = Vec::new();
        let mut dispatch = Vec::new();
        let mut function_imports = 0;
        let mut defined_functions = 0;
        let mut exported: Vec<(String, u32)> = Vec::new();
        let mut constants: Vec<(u32, Option<i32>)> = Vec::new();
        let mut has_data = false;
        for payload in Parser::new(0).parse_all(router) {
            match payload? {
                Payload::TypeSection(section) => {
                    for ty in section.into_iter_err_on_gc_types() {
                        let ty = ty?;
                        let convert = |v: &[wasmparser::ValType]| {
                            v.iter()
                                .map(|v| reencode::RoundtripReencoder.val_type(*v))
                                .collect::<Result<Vec<_>, _>>()
                        };
                        types.push((convert(ty.params())?, convert(ty.results())?));
                    }
                }
                Payload::ImportSection(section) => {
                    for import in section.into_imports() {
                        let import = import?;
                        let TypeRef::Func(ty) = import.ty else {
                            continue;
                        };
                        if import.module.starts_with(DISPATCH) {
                            let (params, results) =
                                types.get(ty as usize).cloned().ok_or_else(|| {
                                    RouterError::Unexpected("has a bad type index".into())
                                })?;
                            dispatch.push(Dispatch {
                                name: import.name.to_string(),
                                index: function_imports,
                                params,
                                results,
                                ty,
                            });
                        }
                        function_imports += 1;
                    }
                }
                Payload::FunctionSection(section) => defined_functions = section.count(),
                Payload::ExportSection(section) => {
                    for export in section {
                        let export = export?;
                        if export.kind == ExternalKind::Func {
                            exported.push((export.name.to_string(), export.index));
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let index = function_imports + constants.len() as u32;
                    let mut ops = body.get_operators_reader()?;
                    let value = match ops.read()? {
                        Operator::I32Const { value } if matches!(ops.read()?, Operator::End) => {
                            Some(value)
                        }
                        _ => None,
                    };
                    constants.push((index, value));
                }
                Payload::DataSection(_) => has_data = true,
                _ => {}
            }
        }
        dispatch.sort_by_key(|d| d.name != "handler");
        let names: Vec<&str> = dispatch.iter().map(|d| d.name.as_str()).collect();
        if names != ["handler", "middleware"] {
            return Err(RouterError::Unexpected(format!(
                "imports {names:?} from `{DISPATCH}*`, not `handler` and `middleware`"
            )));
        }
        for d in &dispatch {
            if d.params.first() != Some(&ValType::I32) {
                return Err(RouterError::Unexpected(format!(
                    "has a dispatch `{}` without an index",
                    d.name
                )));
            }
        }
        if !has_data {
            return Err(RouterError::Unexpected("has no data section".into()));
        }
        let constant = |name: &str| -> Result<u32, RouterError> {
            let (_, func) = exported
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| RouterError::Unexpected(format!("does not export `{name}`")))?;
            constants
                .iter()
                .find(|(i, _)| i == func)
                .and_then(|(_, v)| *v)
                .map(|v| v as u32)
                .ok_or_else(|| {
                    RouterError::Unexpected(format!("`{name}` is not a constant function"))
                })
        };
        Ok(Layout {
            types: types.len() as u32,
            function_imports,
            defined_functions,
            table_address: constant(TABLE_EXPORT)?,
            table_capacity: constant(TABLE_SIZE_EXPORT)?,
            dispatch,
        })
    }
}

struct Specializer<'a> {
    layout: Layout,
    targets: Targets<'a>,
    table: &'a [u8],
}

impl Specializer<'_> {
    fn targets(&self, dispatch: usize) -> &[String] {
        match dispatch {
            0 => self.targets.handlers,
            _ => self.targets.middleware,
        }
    }

    /// Function imports after the rewrite: the old ones but the dispatch imports, then
    /// one per handler, one per middleware.
    fn new_imports(&self) -> u32 {
        let added = self.targets.handlers.len() + self.targets.middleware.len();
        self.layout.function_imports - 2 + added as u32
    }

    /// The function index of the import of stage `k` of dispatch `d`.
    fn stage_import(&self, d: usize, k: usize) -> u32 {
        let before = if d == 0 {
            0
        } else {
            self.targets.handlers.len()
        };
        self.layout.function_imports - 2 + (before + k) as u32
    }

    /// The type index of the stage imports of dispatch `d`: its type without the index.
    fn stage_type(&self, d: usize) -> u32 {
        self.layout.types + d as u32
    }

    /// The body of dispatch `d`: `br_table` on the index to a call of that stage,
    /// `unreachable` for an index with no stage (the table never names one).
    fn dispatch_body(&self, d: usize) -> Function {
        let dispatch = &self.layout.dispatch[d];
        let targets = self.targets(d);
        let first_import = self.stage_import(d, 0);
        let mut f = Function::new([]);
        let cases = targets.len() as u32;
        f.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
        for _ in 0..cases {
            f.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
        }
        f.instruction(&Instruction::LocalGet(0));
        f.instruction(&Instruction::BrTable((0..cases).collect(), cases));
        for case in 0..cases {
            f.instruction(&Instruction::End);
            for param in 1..dispatch.params.len() as u32 {
                f.instruction(&Instruction::LocalGet(param));
            }
            f.instruction(&Instruction::Call(first_import + case));
            f.instruction(&Instruction::Return);
        }
        f.instruction(&Instruction::End);
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
        f
    }
}

impl Reencode for Specializer<'_> {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error> {
        let l = &self.layout;
        let new_imports = self.new_imports();
        if func >= l.function_imports {
            return Ok(func - l.function_imports + new_imports);
        }
        // A dispatch import becomes a function after the module's own.
        if let Some(d) = l.dispatch.iter().position(|d| d.index == func) {
            return Ok(new_imports + l.defined_functions + d as u32);
        }
        // The other imports move down past the dispatch imports before them.
        Ok(func - l.dispatch.iter().filter(|d| d.index < func).count() as u32)
    }

    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_type_section(self, types, section)?;
        for d in &self.layout.dispatch {
            types
                .ty()
                .function(d.params[1..].iter().copied(), d.results.iter().copied());
        }
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        for import in section.into_imports() {
            let import = import?;
            if import.module.starts_with(DISPATCH) {
                continue;
            }
            reencode::utils::parse_import(self, imports, import)?;
        }
        for d in 0..self.layout.dispatch.len() {
            for module in self.targets(d) {
                imports.import(module, "handle", EntityType::Function(self.stage_type(d)));
            }
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_function_section(self, functions, section)?;
        for d in &self.layout.dispatch {
            functions.function(d.ty);
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        for export in section {
            let export = export?;
            if export.name == TABLE_EXPORT || export.name == TABLE_SIZE_EXPORT {
                continue;
            }
            reencode::utils::parse_export(self, exports, export)?;
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_code_section(self, code, section)?;
        for d in 0..self.layout.dispatch.len() {
            code.function(&self.dispatch_body(d));
        }
        Ok(())
    }

    fn data_count(&mut self, count: u32) -> Result<u32, reencode::Error> {
        Ok(count + 1)
    }

    fn parse_data_section(
        &mut self,
        data: &mut DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), reencode::Error> {
        reencode::utils::parse_data_section(self, data, section)?;
        data.active(
            0,
            &ConstExpr::i32_const(self.layout.table_address as i32),
            self.table.iter().copied(),
        );
        Ok(())
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut NameSection,
        section: wasmparser::Name<'_>,
    ) -> Result<(), reencode::Error> {
        match section {
            // Renumbered, so re-sorted; the dispatch functions keep their import's name.
            wasmparser::Name::Function(map) => {
                let mut entries = Vec::new();
                for naming in map {
                    let naming = naming?;
                    entries.push((self.function_index(naming.index)?, naming.name.to_string()));
                }
                for (d, dispatch) in self.layout.dispatch.iter().enumerate() {
                    let index = self.new_imports() + self.layout.defined_functions + d as u32;
                    entries.retain(|(i, _)| *i != index);
                    entries.push((index, format!("weld-http dispatch {}", dispatch.name)));
                    // The stages it calls, by import name.
                    let first = self.stage_import(d, 0);
                    for (k, module) in self.targets(d).iter().enumerate() {
                        entries.push((first + k as u32, format!("{module}.handle")));
                    }
                }
                entries.sort();
                let mut out = NameMap::new();
                for (index, name) in &entries {
                    out.append(*index, name);
                }
                names.functions(&out);
                Ok(())
            }
            // Local and label names are keyed by function too; a release build has
            // none worth keeping.
            wasmparser::Name::Local(_) | wasmparser::Name::Label(_) => Ok(()),
            other => reencode::utils::parse_custom_name_subsection(self, names, other),
        }
    }
}
