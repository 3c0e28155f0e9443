;; `demo:calc/math`: scaled(a, b) answers the imported `demo:calc/host.scale(a + b, b)`.
(component
  (import "demo:calc/host" (instance $host
    (export "scale" (func (param "x" u32) (param "by" u32) (result u32)))))
  (core func $scale (canon lower (func $host "scale")))
  (core module $m
    (import "host" "scale" (func $scale (param i32 i32) (result i32)))
    (func (export "scaled") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add local.get 1 call $scale))
  (core instance $hi (export "scale" (func $scale)))
  (core instance $i (instantiate $m (with "host" (instance $hi))))
  (func $scaled (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "scaled")))
  (instance $math (export "scaled" (func $scaled)))
  (export "demo:calc/math" (instance $math)))
