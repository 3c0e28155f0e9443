;; A hand-written component: `test:one/answer` with `get: func() -> u32`.
(component
  (core module $m
    (func (export "get") (result i32) i32.const 42))
  (core instance $i (instantiate $m))
  (func $get (result u32) (canon lift (core func $i "get")))
  (instance $answer (export "get" (func $get)))
  (export "test:one/answer" (instance $answer)))
