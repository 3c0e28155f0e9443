;; `test:cfg/probe.read(key)`: what `wasi:config/store.get(key)` answers, as text: the
;; value, `none`, or `error`.
(component
  (import "wasi:config/store@0.2.0-rc.1" (instance $store
    (type $e (variant (case "upstream" string) (case "io" string)))
    (export "error" (type $error (eq $e)))
    (export "get" (func (param "key" string) (result (result (option string) (error $error)))))))
  (core module $libc
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    ;; A bump allocator, 8-byte aligned; nothing is freed in one call.
    (func (export "realloc") (param i32 i32 i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get $size)))
      (local.get $p))
    (data (i32.const 16) "none")
    (data (i32.const 24) "error"))
  (core instance $libc (instantiate $libc))
  (core func $get (canon lower (func $store "get") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "store" "get" (func $get (param i32 i32 i32)))
    ;; The answer lands at 64: result tag (64), option or variant tag (68), string (72, 76).
    ;; The returned string's (pointer, length) is written at 96.
    (func (export "read") (param i32 i32) (result i32)
      (call $get (local.get 0) (local.get 1) (i32.const 64))
      (if (i32.load8_u (i32.const 64))
        (then
          (i32.store (i32.const 96) (i32.const 24))
          (i32.store (i32.const 100) (i32.const 5))
          (return (i32.const 96))))
      (if (i32.eqz (i32.load8_u (i32.const 68)))
        (then
          (i32.store (i32.const 96) (i32.const 16))
          (i32.store (i32.const 100) (i32.const 4))
          (return (i32.const 96))))
      (i32.store (i32.const 96) (i32.load (i32.const 72)))
      (i32.store (i32.const 100) (i32.load (i32.const 76)))
      (i32.const 96)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "store" (instance (export "get" (func $get))))))
  (func $read (param "key" string) (result string)
    (canon lift (core func $i "read") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (instance $probe (export "read" (func $read)))
  (export "test:cfg/probe" (instance $probe)))
