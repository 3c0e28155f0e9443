(component
  (component (;0;)
    (core module $m (;0;)
      (type (;0;) (func (param i32 i32) (result i32)))
      (export "add" (func 0))
      (func (;0;) (type 0) (param i32 i32) (result i32)
        local.get 0
        local.get 1
        i32.add
      )
    )
    (core instance $i (;0;) (instantiate $m))
    (type (;0;) (func (param "a" u32) (param "b" u32) (result u32)))
    (alias core export $i "add" (core func (;0;)))
    (func $add (;0;) (type 0) (canon lift (core func 0)))
    (instance $ops (;0;)
      (export "add" (func $add))
    )
    (export (;1;) "test:calc/ops@1.2.3" (instance $ops))
  )
  (instance $calc (;0;) (instantiate 0))
  (alias export $calc "test:calc/ops@1.2.3" (instance (;1;)))
  (export (;2;) "test:calc/ops@1.2.3" (instance 1))
  (@producers
    (processed-by "weld" "0.1.0")
  )
  (@custom "weld:grants" "{\22format\22:1,\22stages\22:{\22calc\22:{}}}")
)
