//! A core module's data segments, rewritten as the few that its initial memory needs.
//!
//! Go's linker emits one active data segment per symbol (27 000 for a small stage), and
//! a Wizer snapshot adds up to 10 000 more for the memory it captured. Wasmtime keeps
//! a pointer and a length per segment in every instance's context and writes all of
//! them on each instantiation, so a module with 37 000 segments pays for ~450 KiB of
//! context writes (and the page faults behind them) before it runs a single
//! instruction, although its memory comes from a copy-on-write image. Applying every
//! segment to a picture of the initial memory and emitting its non-zero runs, with
//! short runs of zeros merged in, gives the same memory from a few hundred segments.
//!
//! Rewritten only when nothing can tell the difference: no instruction names a segment
//! (`memory.init`, `data.drop`), so passive segments (Wizer leaves the originals behind
//! as such) are dead; every active one is in memory 0 (defined by the module, the only
//! one), at a constant offset and within its initial size. Anything else is returned
//! untouched. Sections other than the data
//! (and data count) section are copied byte for byte.

use std::borrow::Cow;

use anyhow::{Context as _, Result};
use wasm_encoder::{ConstExpr, DataCountSection, DataSection, RawSection};
use wasmparser::{DataKind, Operator, Parser, Payload, TypeRef};

/// Runs of zeros shorter than this are kept inside a segment rather than splitting
/// it: a segment costs wasmtime a context entry per instance, a zero costs a byte
/// of the file. A Go stage's snapshot, 40% non-zero bytes in 2.7 MB: 78 segments and
/// 1.26 MB of data at 256; 26 700 segments at 16; 39 segments but 1.32 MB at 4096.
pub const MERGE_GAP: usize = 256;

/// `wasm` with its data segments compacted, or `wasm` itself when that is not safe or
/// would not make fewer segments.
pub fn compact(wasm: &[u8]) -> Result<Cow<'_, [u8]>> {
    let Some(plan) = Plan::read(wasm).context("failed to read the module's data segments")? else {
        return Ok(Cow::Borrowed(wasm));
    };
    let segments = plan.segments();
    if segments.len() >= plan.original_count {
        return Ok(Cow::Borrowed(wasm));
    }
    let mut module = wasm_encoder::Module::new();
    let mut data = DataSection::new();
    for (offset, bytes) in &segments {
        let offset = i32::try_from(*offset).expect("within a 32-bit memory");
        data.active(0, &ConstExpr::i32_const(offset), bytes.iter().copied());
    }
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::DataCountSection { .. } => {
                module.section(&DataCountSection {
                    count: u32::try_from(segments.len())?,
                });
            }
            Payload::DataSection(_) => {
                module.section(&data);
            }
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    let range = usize::try_from(range.start)?..usize::try_from(range.end)?;
                    module.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    Ok(Cow::Owned(module.finish()))
}

/// The initial memory the data segments build, when it can be rebuilt.
struct Plan {
    image: Vec<u8>,
    original_count: usize,
}

impl Plan {
    fn read(wasm: &[u8]) -> Result<Option<Self>> {
        let mut memory_bytes = None;
        let mut memories = 0;
        let mut image = Vec::new();
        let mut original_count = 0;
        let mut has_data_count = false;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        if matches!(import?.ty, TypeRef::Memory(_)) {
                            return Ok(None);
                        }
                    }
                }
                Payload::MemorySection(section) => {
                    for memory in section {
                        let memory = memory?;
                        memories += 1;
                        if memory.memory64 || memory.shared {
                            return Ok(None);
                        }
                        let page = 1u64 << memory.page_size_log2.unwrap_or(16);
                        memory_bytes = memory.initial.checked_mul(page);
                    }
                }
                Payload::DataCountSection { .. } => has_data_count = true,
                Payload::DataSection(section) => {
                    let Some(limit) = memory_bytes.filter(|_| memories == 1) else {
                        return Ok(None);
                    };
                    for segment in section {
                        let segment = segment?;
                        original_count += 1;
                        let offset_expr = match segment.kind {
                            DataKind::Active {
                                memory_index: 0,
                                offset_expr,
                            } => offset_expr,
                            // Nothing can use it (see the code entries): Wizer leaves
                            // the original segments behind as passive ones.
                            DataKind::Passive => continue,
                            DataKind::Active { .. } => return Ok(None),
                        };
                        let mut ops = offset_expr.get_operators_reader();
                        let (Operator::I32Const { value }, Operator::End) =
                            (ops.read()?, ops.read()?)
                        else {
                            return Ok(None);
                        };
                        let start = value as u32 as usize;
                        let end = start + segment.data.len();
                        if end as u64 > limit {
                            return Ok(None);
                        }
                        if image.len() < end {
                            image.resize(end, 0);
                        }
                        image[start..end].copy_from_slice(segment.data);
                    }
                }
                Payload::CodeSectionEntry(body) if has_data_count => {
                    // A data count section is required by any `memory.init` or
                    // `data.drop`; without one there is nothing to look for.
                    let mut ops = body.get_operators_reader()?;
                    while !ops.eof() {
                        if matches!(
                            ops.read()?,
                            Operator::MemoryInit { .. } | Operator::DataDrop { .. }
                        ) {
                            return Ok(None);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok((original_count > 1).then_some(Plan {
            image,
            original_count,
        }))
    }

    /// The non-zero runs of the image, each with the zeros before the next merged in
    /// when there are fewer than [`MERGE_GAP`] of them.
    fn segments(&self) -> Vec<(usize, &[u8])> {
        let image = &self.image;
        let mut segments: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < image.len() {
            if image[i] == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < image.len() && image[i] != 0 {
                i += 1;
            }
            match segments.last_mut() {
                Some((_, end)) if start - *end < MERGE_GAP => *end = i,
                _ => segments.push((start, i)),
            }
        }
        segments
            .into_iter()
            .map(|(start, end)| (start, &image[start..end]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_after_instantiation(wasm: &[u8]) -> Vec<u8> {
        // The image the segments describe, by applying them in order.
        Plan::read(wasm).unwrap().unwrap().image
    }

    #[test]
    fn segments_are_merged_into_the_same_memory() {
        let wasm = wat::parse_str(
            r#"(module
                (memory 1)
                (data (i32.const 16) "ab")
                (data (i32.const 18) "cd")
                (data (i32.const 17) "X")
                (data (i32.const 9000) "far")
                (data (i32.const 40000) "\00\00")
                (data "never used")
                (func (export "f") (result i32) (i32.load (i32.const 16))))"#,
        )
        .unwrap();
        let compacted = compact(&wasm).unwrap();
        assert!(matches!(compacted, Cow::Owned(_)));
        wasmparser::validate(&compacted).unwrap();
        let before = memory_after_instantiation(&wasm);
        let after = memory_after_instantiation(&compacted);
        assert_eq!(&after[..], &before[..after.len()]);
        assert!(before[after.len()..].iter().all(|&b| b == 0));
        assert_eq!(&after[16..20], b"aXcd");
        // "aXcd" and "far" are 8980 bytes apart: two segments; the zeros are none.
        assert_eq!(Plan::read(&compacted).unwrap().unwrap().original_count, 2);
    }

    #[test]
    fn modules_that_name_segments_are_left_alone() {
        let wasm = wat::parse_str(
            r#"(module
                (memory 1)
                (data (i32.const 0) "a")
                (data $p "passive")
                (func (data.drop $p)))"#,
        )
        .unwrap();
        assert!(matches!(compact(&wasm).unwrap(), Cow::Borrowed(_)));
    }
}
