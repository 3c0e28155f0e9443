;; `test:calc/ops@1.2.3` with `add: func(a: u32, b: u32) -> u32`, and a root `add` too.
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (instance $ops (export "add" (func $add)))
  (export "test:calc/ops@1.2.3" (instance $ops)))
