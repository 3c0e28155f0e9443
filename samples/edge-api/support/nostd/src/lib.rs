//! What std would otherwise give a `no_std` stage of the edge-api sample: a global
//! allocator, the canonical ABI's `cabi_realloc` and a panic handler.
//!
//! The stages are `no_std` so that their components import nothing outside the
//! `wasi:http/proxy` world (std on wasm32-wasip2 adds wasi:cli/environment, exit and
//! terminal-*). A stage links this crate with `use edge_nostd as _;`; Weld counts it
//! among each stage's sources (a `path` dependency), so changing it rebuilds both.

#![no_std]

extern crate alloc;

// Without std, link wasi-libc ourselves (std does the same): it gives `memcmp` for
// `core` and the allocator below. None of it imports anything from WASI.
#[link(name = "c")]
unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

/// The global allocator is libc's malloc, which `cabi_realloc` also uses: the canonical
/// ABI hands us strings and lists allocated there, and we free them.
struct LibcAlloc;

/// What `malloc` guarantees on wasm32 wasi-libc.
const MALLOC_ALIGN: usize = 16;

// SAFETY: forwards to libc's allocator, asking for at least the requested alignment.
unsafe impl core::alloc::GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: plain libc allocation calls.
        unsafe {
            if layout.align() <= MALLOC_ALIGN {
                malloc(layout.size())
            } else {
                aligned_alloc(layout.align(), layout.size())
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: core::alloc::Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` above.
        unsafe { free(ptr) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: core::alloc::Layout,
        new_size: usize,
    ) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: `ptr` came from this allocator.
            unsafe { realloc(ptr, new_size) }
        } else {
            // SAFETY: allocate, copy the smaller size, free the old block.
            unsafe {
                let new = aligned_alloc(layout.align(), new_size);
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    free(ptr);
                }
                new
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: LibcAlloc = LibcAlloc;

/// The canonical ABI's allocation entry point, over the global allocator. (std gets it
/// from wasi-libc, but only a reference from std pulls that archive member in.)
///
/// # Safety
/// Called by the component model: `old_ptr`/`old_len`/`align` describe a block this
/// function returned before, or `old_len` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the component model passes a power-of-two alignment and, for a non-zero
    // `old_len`, a block allocated here with the same alignment.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
