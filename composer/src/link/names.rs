//! Names every core module of a stage after the stage, so traps can say where they were.
//!
//! wasmtime does not read component-level name sections, so the instance names wac
//! gives stages never reach a running artifact. What a trap's backtrace does carry is
//! each frame's core module name (the module-name entry of its `name` section). Before
//! linking, every core module of stage `S`, at any depth of the stage's component, gets
//! the module name `weld:stage/S` (or `weld:stage/S/<original>`), which the runtime
//! shim reads back. Only `name` sections change; everything else is copied byte for byte.

/// The prefix the runtime shim looks for (`weld_shim::diagnose::STAGE_MODULE_PREFIX`).
pub const STAGE_MODULE_PREFIX: &str = "weld:stage/";

const CORE_MODULE_SECTION: u8 = 1;
const COMPONENT_SECTION: u8 = 4;
const CUSTOM_SECTION: u8 = 0;
const MODULE_NAME_SUBSECTION: u8 = 0;

/// Returns `component` with every core module named after `stage`. Bytes that do not
/// parse as expected are returned unchanged (validation later reports them).
pub fn tag_stage_modules(component: &[u8], stage: &str) -> Vec<u8> {
    rewrite(component, stage).unwrap_or_else(|| component.to_vec())
}

/// Rewrites a component or module binary: nested components recurse, core modules get
/// their name section replaced.
fn rewrite(binary: &[u8], stage: &str) -> Option<Vec<u8>> {
    let is_module = wasmparser::Parser::is_core_wasm(binary);
    let header = binary.get(..8)?;
    let mut out = header.to_vec();
    let mut rest = &binary[8..];
    let mut original_name = None;
    while !rest.is_empty() {
        let id = rest[0];
        let (size, n) = read_u32(&rest[1..])?;
        let start = 1 + n;
        let payload = rest.get(start..start + size as usize)?;
        rest = &rest[start + size as usize..];
        match id {
            CORE_MODULE_SECTION | COMPONENT_SECTION if !is_module => {
                push_section(&mut out, id, &rewrite(payload, stage)?);
            }
            CUSTOM_SECTION if is_module && custom_name(payload)?.0 == "name" => {
                // Dropped here; written again, with the stage's module name, at the end.
                original_name = Some(payload.to_vec());
            }
            _ => push_section(&mut out, id, payload),
        }
    }
    if is_module {
        push_section(
            &mut out,
            CUSTOM_SECTION,
            &name_section(original_name.as_deref(), stage)?,
        );
    }
    Some(out)
}

/// A `name` custom section: the stage's module name first, then the original
/// subsections (function names, locals, ...) as they were.
fn name_section(original: Option<&[u8]>, stage: &str) -> Option<Vec<u8>> {
    let mut old_module_name = None;
    let mut others = Vec::new();
    if let Some(section) = original {
        let (_, mut data) = custom_name(section)?;
        while !data.is_empty() {
            let id = data[0];
            let (size, n) = read_u32(&data[1..])?;
            let body = data.get(1 + n..1 + n + size as usize)?;
            if id == MODULE_NAME_SUBSECTION {
                let (len, m) = read_u32(body)?;
                old_module_name =
                    Some(String::from_utf8_lossy(body.get(m..m + len as usize)?).into_owned());
            } else {
                push_section(&mut others, id, body);
            }
            data = &data[1 + n + size as usize..];
        }
    }
    let name = match old_module_name {
        Some(old) if old.starts_with(STAGE_MODULE_PREFIX) => old,
        Some(old) => format!("{STAGE_MODULE_PREFIX}{stage}/{old}"),
        None => format!("{STAGE_MODULE_PREFIX}{stage}"),
    };
    let mut module_name = Vec::new();
    write_str(&mut module_name, &name);
    let mut section = Vec::new();
    write_str(&mut section, "name");
    push_section(&mut section, MODULE_NAME_SUBSECTION, &module_name);
    section.extend(others);
    Some(section)
}

/// The name of a custom section and its data.
fn custom_name(payload: &[u8]) -> Option<(&str, &[u8])> {
    let (len, n) = read_u32(payload)?;
    let name = std::str::from_utf8(payload.get(n..n + len as usize)?).ok()?;
    Some((name, &payload[n + len as usize..]))
}

fn push_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    write_u32(out, payload.len() as u32);
    out.extend_from_slice(payload);
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    write_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An unsigned LEB128 u32 and how many bytes it took.
fn read_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut result = 0u32;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        result |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((result, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_names(component: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(component) {
            if let Ok(wasmparser::Payload::CustomSection(c)) = payload
                && let wasmparser::KnownCustom::Name(reader) = c.as_known()
            {
                for n in reader.into_iter().flatten() {
                    if let wasmparser::Name::Module { name, .. } = n {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names
    }

    #[test]
    fn names_nested_modules_and_keeps_the_component_valid() {
        let wat = r#"(component
            (core module $m (func $f (export "f") unreachable))
            (component $inner (core module (func)))
            (core instance (instantiate $m))
        )"#;
        let bytes = wat::parse_str(wat).unwrap();
        let tagged = tag_stage_modules(&bytes, "validate");
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&tagged)
            .unwrap();
        assert_eq!(
            module_names(&tagged),
            ["weld:stage/validate/m", "weld:stage/validate"]
        );
        // Function names survive.
        assert!(wasmprinter::print_bytes(&tagged).unwrap().contains("$f"));
        // Tagging twice changes nothing more.
        assert_eq!(tag_stage_modules(&tagged, "validate"), tagged);
    }
}
