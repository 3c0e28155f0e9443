// Added by Weld to a Go stage built with `init: snapshot`. DO NOT EDIT.
//
// At build time it also warms the allocator (weldWarmAllocator) and keeps room for the
// WASI adapter's state (weldAdapterReserve), so that instances start faster.
//
// The stage's start-up (the Go runtime's `_initialize`) runs once, at build time, and
// instances start from the memory it left. That start-up seeded the runtime's random
// state, so without this file every instance would draw the same numbers: the same
// per-map hash seeds, the same `math/rand` and `math/rand/v2` sequences. Weld makes
// weldReseed the `_initialize` the component calls when each instance starts: it
// seeds the runtime's generators again from the host's entropy, as the runtime's own
// start-up does (randinit, then mrandinit for the one thread wasip1 has).
//
// The runtime offers no API for this, so it is reached by linkname (the build passes
// -checklinkname=0). The layout of runtime.globalRand is checked before it is written;
// if a Go release changes it, nothing is written and the numbers stay frozen, which
// Weld's tests of snapshotted stages detect.

package main

import "unsafe"

//go:wasmimport wasi_snapshot_preview1 random_get
//go:noescape
func weldRandomGet(buf unsafe.Pointer, n uint32) uint32

// runtime.globalRand: {lock mutex (8 bytes on wasm); seed [32]byte;
// state chacha8rand.State (304 bytes); init bool}.
//
//go:linkname weldGlobalRand runtime.globalRand
var weldGlobalRand [352]byte

const (
	weldGlobalRandState = 8 + 32
	weldGlobalRandInit  = weldGlobalRandState + 304
)

// runtime.m0, the thread every goroutine of a wasip1 program runs on.
//
//go:linkname weldM0 runtime.m0
var weldM0 byte

//go:linkname weldChacha8Init internal/chacha8rand.(*State).Init
func weldChacha8Init(state unsafe.Pointer, seed [32]byte)

//go:linkname weldMrandinit runtime.mrandinit
func weldMrandinit(mp unsafe.Pointer)

// Whether wit-bindgen-go's cabi_realloc allocates from the Go heap (set by its
// package init) or, before the runtime is up, with runtime.sbrk.
//
//go:linkname weldUseGCAllocations go.bytecodealliance.org/pkg/wit/runtime.useGCAllocations
var weldUseGCAllocations bool

// The runtime's break: sbrk hands out [bloc, blocMax) before it grows memory.
//
//go:linkname weldBloc runtime.bloc
var weldBloc uintptr

//go:linkname weldBlocMax runtime.blocMax
var weldBlocMax uintptr

//go:linkname weldSbrk runtime.sbrk
func weldSbrk(n uintptr) unsafe.Pointer

// Room below the break for the WASI adapter's state, which every instance allocates
// with sbrk on its first WASI call (weldReseed, below). Reserved while the snapshot is
// taken, it is part of every instance's initial memory, so that allocation does not
// grow memory: each growth costs the host an mprotect (and a TLB shootdown) as the
// instance grows, and another when its memory slot is reused.
const weldAdapterReserve = 2 << 16

// Runs once, at build time, in the start-up the snapshot captures.
func init() {
	// First: the heap it grows must not take the adapter's room below.
	weldWarmAllocator()
	if weldBlocMax-weldBloc >= weldAdapterReserve || weldSbrk(weldAdapterReserve) == nil {
		return
	}
	// Handed back below the break, as the runtime does when it frees its top block.
	weldBloc -= weldAdapterReserve
}

// The sizes of Go's small size classes up to 512 bytes (internal/runtime/gc's
// SizeClassToSize). Should a Go release change them, each size still lands in some
// class: the warm-up below only covers fewer classes.
var weldWarmSizes = [...]uint16{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512}

var (
	weldWarmBytes    []byte
	weldWarmPointers []unsafe.Pointer
)

// Leaves the allocator a span with free slots cached for every small size class, with
// and without pointers, in the snapshot. Otherwise the snapshot holds whatever start-up
// left cached, and every instance's first allocation of each other class takes the
// allocator's slow path (mcentral, mheap: allocSpan, initSpan), whose metadata is cold
// on every request; measured on edge-api's `POST /orders` with fresh instances, that
// was a tenth of the server's time per request. Classes above 512 bytes are left out:
// their spans cost more memory in every instance for allocations a call makes fewer of.
// The objects become garbage at once; a collection in a long-lived instance frees them.
func weldWarmAllocator() {
	for _, size := range weldWarmSizes {
		weldWarmBytes = make([]byte, size)
		weldWarmPointers = make([]unsafe.Pointer, size/8)
	}
	weldWarmBytes, weldWarmPointers = nil, nil
}

//go:wasmexport weld_reseed
func weldReseed() {
	// The WASI adapter allocates its state, through cabi_realloc, on the first WASI
	// call of each instance. Without a snapshot that call comes from the runtime's
	// start-up, before the Go heap is in use; here it is this one, so it must take
	// the same path. (On the heap path cabi_realloc pauses the adapter's clock, which
	// needs that state: the adapter would fail an assertion.)
	var seed [32]byte
	weldUseGCAllocations = false
	errno := weldRandomGet(unsafe.Pointer(&seed[0]), uint32(len(seed)))
	weldUseGCAllocations = true
	// Unlocked, and initialized by the snapshotted start-up: the layout is the one
	// described above.
	if errno != 0 || weldGlobalRand[0] != 0 || weldGlobalRand[weldGlobalRandInit] != 1 {
		return
	}
	weldChacha8Init(unsafe.Pointer(&weldGlobalRand[weldGlobalRandState]), seed)
	weldMrandinit(unsafe.Pointer(&weldM0))
}
