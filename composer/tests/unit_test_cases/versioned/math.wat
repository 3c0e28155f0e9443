;; `demo:calc/math@1.0.0` (importing `demo:calc/host@0.2.0`): add, add-doubled (calls the imported `demo:calc/host.double`), boom (traps).
(component
  (import "demo:calc/host@0.2.0" (instance $host
    (export "double" (func (param "x" u32) (result u32)))))
  (core func $double (canon lower (func $host "double")))
  (core module $m
    (import "host" "double" (func $double (param i32) (result i32)))
    (func (export "add") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add)
    (func (export "add-doubled") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add call $double)
    (func (export "boom") unreachable))
  (core instance $hi (export "double" (func $double)))
  (core instance $i (instantiate $m (with "host" (instance $hi))))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $add2 (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add-doubled")))
  (func $boom (canon lift (core func $i "boom")))
  (instance $math
    (export "add" (func $add))
    (export "add-doubled" (func $add2))
    (export "boom" (func $boom)))
  (export "demo:calc/math@1.0.0" (instance $math)))
