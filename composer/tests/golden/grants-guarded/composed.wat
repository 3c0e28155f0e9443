(component
  (type (;0;)
    (instance
      (type (;0;) (tuple string string))
      (type (;1;) (list 0))
      (type (;2;) (func (result 1)))
      (export (;0;) "get-environment" (func (type 2)))
    )
  )
  (import "wasi:cli/environment@0.2.6" (instance (;0;) (type 0)))
  (type (;1;)
    (instance
      (export (;0;) "outgoing-request" (type (sub resource)))
      (export (;1;) "request-options" (type (sub resource)))
      (export (;2;) "future-incoming-response" (type (sub resource)))
      (type (;3;) (option string))
      (type (;4;) (variant (case "DNS-timeout") (case "HTTP-request-denied") (case "internal-error" 3)))
      (export (;5;) "error-code" (type (eq 4)))
      (type (;6;) (own 0))
      (type (;7;) (func (result 6)))
      (export (;0;) "[constructor]outgoing-request" (func (type 7)))
      (type (;8;) (borrow 0))
      (type (;9;) (option string))
      (type (;10;) (func (param "self" 8) (result 9)))
      (export (;1;) "[method]outgoing-request.authority" (func (type 10)))
      (type (;11;) (own 1))
      (type (;12;) (func (result 11)))
      (export (;2;) "[constructor]request-options" (func (type 12)))
    )
  )
  (import "wasi:http/types@0.2.6" (instance (;1;) (type 1)))
  (type (;2;)
    (instance
      (type (;0;) (variant (case "upstream" string) (case "io" string)))
      (export (;1;) "error" (type (eq 0)))
      (type (;2;) (option string))
      (type (;3;) (result 2 (error 1)))
      (type (;4;) (func (param "key" string) (result 3)))
      (export (;0;) "get" (func (type 4)))
    )
  )
  (import "wasi:config/store@0.2.0-rc.1" (instance (;2;) (type 2)))
  (component (;0;)
    (type $ty-wasi:cli/environment@0.2.6 (;0;)
      (instance
        (type (;0;) (tuple string string))
        (type (;1;) (list 0))
        (type (;2;) (func (result 1)))
        (export (;0;) "get-environment" (func (type 2)))
      )
    )
    (import "wasi:cli/environment@0.2.6" (instance $wasi:cli/environment@0.2.6 (;0;) (type $ty-wasi:cli/environment@0.2.6)))
    (type $ty-wasi:http/types@0.2.6 (;1;)
      (instance
        (export (;0;) "outgoing-request" (type (sub resource)))
        (export (;1;) "request-options" (type (sub resource)))
        (export (;2;) "future-incoming-response" (type (sub resource)))
        (type (;3;) (option string))
        (type (;4;) (variant (case "DNS-timeout") (case "HTTP-request-denied") (case "internal-error" 3)))
        (export (;5;) "error-code" (type (eq 4)))
      )
    )
    (import "wasi:http/types@0.2.6" (instance $wasi:http/types@0.2.6 (;1;) (type $ty-wasi:http/types@0.2.6)))
    (type $ty-wasi:config/store@0.2.0-rc.1 (;2;)
      (instance
        (type (;0;) (variant (case "upstream" string) (case "io" string)))
        (export (;1;) "error" (type (eq 0)))
        (type (;2;) (option string))
        (type (;3;) (result 2 (error 1)))
        (type (;4;) (func (param "key" string) (result 3)))
        (export (;0;) "get" (func (type 4)))
      )
    )
    (import "wasi:config/store@0.2.0-rc.1" (instance $wasi:config/store@0.2.0-rc.1 (;2;) (type $ty-wasi:config/store@0.2.0-rc.1)))
    (core module $main (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32)))
      (type (;2;) (func (result i32)))
      (type (;3;) (func (param i32 i32 i32) (result i32)))
      (type (;4;) (func (param i32 i32) (result i32)))
      (type (;5;) (func (param i32 i32)))
      (type (;6;) (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi:cli/environment@0.2.6" "get-environment" (func $import0 (;0;) (type 0) (param i32)))
      (import "wasi:config/store@0.2.0-rc.1" "get" (func $import1 (;1;) (type 1) (param i32 i32 i32)))
      (memory (;0;) 1)
      (global $heap_base (;0;) i32 i32.const 160)
      (global $heap (;1;) (mut i32) i32.const 160)
      (export "memory" (memory 0))
      (export "weld-guard-probe:cli/environment@0.2.6#get-environment" (func $f1))
      (export "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment" (func 3))
      (export "weld-guard-probe:cli/environment@0.2.6#get-arguments" (func $f2))
      (export "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments" (func 5))
      (export "weld-guard-probe:http/outgoing-handler@0.2.6#handle" (func $f3))
      (export "cabi_post_weld-guard-probe:http/outgoing-handler@0.2.6#handle" (func 7))
      (export "weld-guard-probe:config/store@0.2.0-rc.1#get" (func $f4))
      (export "cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get" (func 9))
      (export "weld-guard-probe:logging/logging@0.1.0-draft#log" (func $weld-deny:probe:host:wasi:logging/logging@0.1.0-draft#log))
      (export "cabi_realloc" (func 12))
      (func $f1 (;2;) (type 2) (result i32)
        (local $list i32) (local $len i32) (local $i i32) (local $kept i32) (local $entry i32) (local $name i32) (local $name_len i32)
        i32.const 16
        call $import0
        i32.const 16
        i32.load
        local.set $list
        i32.const 16
        i32.load offset=4
        local.set $len
        block $done
          loop $next
            local.get $i
            local.get $len
            i32.ge_u
            br_if $done
            local.get $list
            local.get $i
            i32.const 16
            i32.mul
            i32.add
            local.set $entry
            local.get $entry
            i32.load
            local.set $name
            local.get $entry
            i32.load offset=4
            local.set $name_len
            i32.const 0
            local.get $name
            local.get $name_len
            i32.const 24
            i32.const 9
            call $eq
            i32.or
            if ;; label = @3
              local.get $list
              local.get $kept
              i32.const 16
              i32.mul
              i32.add
              local.get $entry
              i32.const 16
              memory.copy
              local.get $kept
              i32.const 1
              i32.add
              local.set $kept
            end
            local.get $i
            i32.const 1
            i32.add
            local.set $i
            br $next
          end
        end
        i32.const 16
        local.get $kept
        i32.store offset=4
        i32.const 16
      )
      (func (;3;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $f2 (;4;) (type 2) (result i32)
        i32.const 40
      )
      (func (;5;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $f3 (;6;) (type 3) (param i32 i32 i32) (result i32)
        i32.const 48
      )
      (func (;7;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $f4 (;8;) (type 4) (param i32 i32) (result i32)
        local.get 0
        local.get 1
        i32.const 104
        i32.const 8
        call $eq
        if ;; label = @1
          i32.const 112
          i32.const 14
          i32.const 68
          call $import1
          i32.const 68
          i32.load8_u
          i32.const 68
          i32.load8_u offset=4
          i32.or
          i32.eqz
          if ;; label = @2
            i32.const 68
            i32.const 1
            i32.store8 offset=4
            i32.const 68
            i32.const 128
            i32.store offset=8
            i32.const 68
            i32.const 5
            i32.store offset=12
          end
          i32.const 68
          return
        end
        local.get 0
        local.get 1
        i32.const 136
        i32.const 6
        call $eq
        if ;; label = @1
          i32.const 144
          i32.const 12
          i32.const 68
          call $import1
          i32.const 68
          return
        end
        i32.const 88
      )
      (func (;9;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $weld-deny:probe:host:wasi:logging/logging@0.1.0-draft#log (;10;) (type 5) (param i32 i32)
        unreachable
      )
      (func $alloc (;11;) (type 4) (param $size i32) (param $align i32) (result i32)
        (local $at i32) (local $end i32) (local $have i32)
        global.get $heap
        local.get $align
        i32.const 1
        i32.sub
        i32.add
        i32.const 0
        local.get $align
        i32.sub
        i32.and
        local.set $at
        local.get $at
        local.get $size
        i32.add
        local.set $end
        memory.size
        i32.const 16
        i32.shl
        local.set $have
        local.get $end
        local.get $have
        i32.gt_u
        if ;; label = @1
          local.get $end
          local.get $have
          i32.sub
          i32.const 65535
          i32.add
          i32.const 16
          i32.shr_u
          memory.grow
          i32.const -1
          i32.eq
          if ;; label = @2
            unreachable
          end
        end
        local.get $end
        global.set $heap
        local.get $at
      )
      (func (;12;) (type 6) (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
        (local $at i32)
        local.get $size
        local.get $align
        call $alloc
        local.set $at
        local.get $old_size
        if ;; label = @1
          local.get $at
          local.get $old
          local.get $old_size
          local.get $size
          local.get $old_size
          local.get $size
          i32.lt_u
          select
          memory.copy
        end
        local.get $at
      )
      (func $eq (;13;) (type 6) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
        (local $i i32)
        local.get $a_len
        local.get $b_len
        i32.ne
        if ;; label = @1
          i32.const 0
          return
        end
        block $done
          loop $next
            local.get $i
            local.get $a_len
            i32.ge_u
            br_if $done
            local.get $a
            local.get $i
            i32.add
            i32.load8_u
            local.get $b
            local.get $i
            i32.add
            i32.load8_u
            i32.ne
            if ;; label = @3
              i32.const 0
              return
            end
            local.get $i
            i32.const 1
            i32.add
            local.set $i
            br $next
          end
        end
        i32.const 1
      )
      (func $eq_lower (;14;) (type 6) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
        (local $i i32) (local $c i32)
        local.get $a_len
        local.get $b_len
        i32.ne
        if ;; label = @1
          i32.const 0
          return
        end
        block $done
          loop $next
            local.get $i
            local.get $a_len
            i32.ge_u
            br_if $done
            local.get $a
            local.get $i
            i32.add
            i32.load8_u
            local.set $c
            local.get $c
            i32.const 65
            i32.sub
            i32.const 26
            i32.lt_u
            if ;; label = @3
              local.get $c
              i32.const 32
              i32.or
              local.set $c
            end
            local.get $c
            local.get $b
            local.get $i
            i32.add
            i32.load8_u
            i32.ne
            if ;; label = @3
              i32.const 0
              return
            end
            local.get $i
            i32.const 1
            i32.add
            local.set $i
            br $next
          end
        end
        i32.const 1
      )
      (func $host_part (;15;) (type 4) (param $at i32) (param $len i32) (result i32)
        (local $i i32) (local $c i32)
        local.get $len
        local.set $i
        block $done
          loop $next
            local.get $i
            i32.eqz
            br_if $done
            local.get $at
            local.get $i
            i32.const 1
            i32.sub
            i32.add
            i32.load8_u
            local.set $c
            local.get $c
            i32.const 58
            i32.eq
            if ;; label = @3
              local.get $i
              i32.const 1
              i32.sub
              local.get $len
              local.get $i
              local.get $len
              i32.lt_u
              select
              return
            end
            local.get $c
            i32.const 48
            i32.sub
            i32.const 9
            i32.gt_u
            br_if $done
            local.get $i
            i32.const 1
            i32.sub
            local.set $i
            br $next
          end
        end
        local.get $len
      )
      (data (;0;) (i32.const 24) "LOG_LEVEL")
      (data (;1;) (i32.const 48) "\01\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
      (data (;2;) (i32.const 104) "greeting")
      (data (;3;) (i32.const 112) "probe.greeting")
      (data (;4;) (i32.const 128) "hello")
      (data (;5;) (i32.const 136) "secret")
      (data (;6;) (i32.const 144) "probe.secret")
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module $wit-component-shim-module (;1;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32)))
      (table (;0;) 2 2 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32)
        local.get 0
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 1) (param i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        i32.const 1
        call_indirect (type 1)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
    (alias export $wasi:http/types@0.2.6 "outgoing-request" (type $outgoing-request (;3;)))
    (alias export $wasi:http/types@0.2.6 "request-options" (type $request-options (;4;)))
    (alias export $wasi:http/types@0.2.6 "future-incoming-response" (type $future-incoming-response (;5;)))
    (alias export $wasi:http/types@0.2.6 "error-code" (type $error-code (;6;)))
    (type (;7;) (variant (case "upstream" string) (case "io" string)))
    (alias core export $wit-component-shim-instance "0" (core func $indirect-wasi:cli/environment@0.2.6-get-environment (;0;)))
    (core instance $wasi:cli/environment@0.2.6 (;1;)
      (export "get-environment" (func $indirect-wasi:cli/environment@0.2.6-get-environment))
    )
    (alias core export $wit-component-shim-instance "1" (core func $indirect-wasi:config/store@0.2.0-rc.1-get (;1;)))
    (core instance $wasi:config/store@0.2.0-rc.1 (;2;)
      (export "get" (func $indirect-wasi:config/store@0.2.0-rc.1-get))
    )
    (core instance $main (;3;) (instantiate $main
        (with "wasi:cli/environment@0.2.6" (instance $wasi:cli/environment@0.2.6))
        (with "wasi:config/store@0.2.0-rc.1" (instance $wasi:config/store@0.2.0-rc.1))
      )
    )
    (alias core export $main "memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;2;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32)))
      (import "actual" "0" (func (;0;) (type 0) (param i32)))
      (import "actual" "1" (func (;1;) (type 1) (param i32 i32 i32)))
      (import "shim" "$imports" (table (;0;) 2 2 funcref))
      (elem (;0;) (i32.const 0) func 0 1)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (alias export $wasi:cli/environment@0.2.6 "get-environment" (func $get-environment (;0;)))
    (alias core export $main "cabi_realloc" (core func $cabi_realloc (;2;)))
    (core func $"#core-func3 indirect-wasi:cli/environment@0.2.6-get-environment" (@name "indirect-wasi:cli/environment@0.2.6-get-environment") (;3;) (canon lower (func $get-environment) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
    (alias export $wasi:config/store@0.2.0-rc.1 "get" (func $get (;1;)))
    (core func $"#core-func4 indirect-wasi:config/store@0.2.0-rc.1-get" (@name "indirect-wasi:config/store@0.2.0-rc.1-get") (;4;) (canon lower (func $get) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
    (core instance $actual (;4;)
      (export "0" (func $"#core-func3 indirect-wasi:cli/environment@0.2.6-get-environment"))
      (export "1" (func $"#core-func4 indirect-wasi:config/store@0.2.0-rc.1-get"))
    )
    (core instance $fixup (;5;) (instantiate $wit-component-fixup
        (with "actual" (instance $actual))
        (with "shim" (instance $wit-component-shim-instance))
      )
    )
    (type (;8;) (tuple string string))
    (type (;9;) (list 8))
    (type (;10;) (func (result 9)))
    (alias core export $main "weld-guard-probe:cli/environment@0.2.6#get-environment" (core func $weld-guard-probe:cli/environment@0.2.6#get-environment (;5;)))
    (alias core export $main "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment" (core func $cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment (;6;)))
    (func $"#func2 get-environment" (@name "get-environment") (;2;) (type 10) (canon lift (core func $weld-guard-probe:cli/environment@0.2.6#get-environment) (memory $memory) string-encoding=utf8 (post-return $cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment)))
    (type (;11;) (list string))
    (type (;12;) (func (result 11)))
    (alias core export $main "weld-guard-probe:cli/environment@0.2.6#get-arguments" (core func $weld-guard-probe:cli/environment@0.2.6#get-arguments (;7;)))
    (alias core export $main "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments" (core func $cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments (;8;)))
    (func $get-arguments (;3;) (type 12) (canon lift (core func $weld-guard-probe:cli/environment@0.2.6#get-arguments) (memory $memory) string-encoding=utf8 (post-return $cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments)))
    (component $weld-guard-probe:cli/environment@0.2.6-shim-component (;0;)
      (type (;0;) (tuple string string))
      (type (;1;) (list 0))
      (type (;2;) (func (result 1)))
      (import "import-func-get-environment" (func (;0;) (type 2)))
      (type (;3;) (list string))
      (type (;4;) (func (result 3)))
      (import "import-func-get-arguments" (func (;1;) (type 4)))
      (type (;5;) (tuple string string))
      (type (;6;) (list 5))
      (type (;7;) (func (result 6)))
      (export (;2;) "get-environment" (func 0) (func (type 7)))
      (type (;8;) (list string))
      (type (;9;) (func (result 8)))
      (export (;3;) "get-arguments" (func 1) (func (type 9)))
    )
    (instance $weld-guard-probe:cli/environment@0.2.6-shim-instance (;3;) (instantiate $weld-guard-probe:cli/environment@0.2.6-shim-component
        (with "import-func-get-environment" (func $"#func2 get-environment"))
        (with "import-func-get-arguments" (func $get-arguments))
      )
    )
    (export $weld-guard-probe:cli/environment@0.2.6 (;4;) "weld-guard-probe:cli/environment@0.2.6" (instance $weld-guard-probe:cli/environment@0.2.6-shim-instance))
    (type (;13;) (own $outgoing-request))
    (type (;14;) (own $request-options))
    (type (;15;) (option 14))
    (type (;16;) (own $future-incoming-response))
    (type (;17;) (result 16 (error $error-code)))
    (type (;18;) (func (param "request" 13) (param "options" 15) (result 17)))
    (alias core export $main "weld-guard-probe:http/outgoing-handler@0.2.6#handle" (core func $weld-guard-probe:http/outgoing-handler@0.2.6#handle (;9;)))
    (alias core export $main "cabi_post_weld-guard-probe:http/outgoing-handler@0.2.6#handle" (core func $cabi_post_weld-guard-probe:http/outgoing-handler@0.2.6#handle (;10;)))
    (func $handle (;4;) (type 18) (canon lift (core func $weld-guard-probe:http/outgoing-handler@0.2.6#handle) (memory $memory) string-encoding=utf8 (post-return $cabi_post_weld-guard-probe:http/outgoing-handler@0.2.6#handle)))
    (component $weld-guard-probe:http/outgoing-handler@0.2.6-shim-component (;1;)
      (import "import-type-outgoing-request" (type (;0;) (sub resource)))
      (import "import-type-request-options" (type (;1;) (sub resource)))
      (import "import-type-future-incoming-response" (type (;2;) (sub resource)))
      (type (;3;) (option string))
      (type (;4;) (variant (case "DNS-timeout") (case "HTTP-request-denied") (case "internal-error" 3)))
      (import "import-type-error-code" (type (;5;) (eq 4)))
      (import "import-type-outgoing-request0" (type (;6;) (eq 0)))
      (type (;7;) (own 6))
      (import "import-type-request-options0" (type (;8;) (eq 1)))
      (type (;9;) (own 8))
      (type (;10;) (option 9))
      (import "import-type-future-incoming-response0" (type (;11;) (eq 2)))
      (type (;12;) (own 11))
      (import "import-type-error-code0" (type (;13;) (eq 5)))
      (type (;14;) (result 12 (error 13)))
      (type (;15;) (func (param "request" 7) (param "options" 10) (result 14)))
      (import "import-func-handle" (func (;0;) (type 15)))
      (export (;16;) "outgoing-request" (type 0))
      (export (;17;) "request-options" (type 1))
      (export (;18;) "future-incoming-response" (type 2))
      (export (;19;) "error-code" (type 5))
      (type (;20;) (own 16))
      (type (;21;) (own 17))
      (type (;22;) (option 21))
      (type (;23;) (own 18))
      (type (;24;) (result 23 (error 19)))
      (type (;25;) (func (param "request" 20) (param "options" 22) (result 24)))
      (export (;1;) "handle" (func 0) (func (type 25)))
    )
    (instance $weld-guard-probe:http/outgoing-handler@0.2.6-shim-instance (;5;) (instantiate $weld-guard-probe:http/outgoing-handler@0.2.6-shim-component
        (with "import-func-handle" (func $handle))
        (with "import-type-outgoing-request" (type $outgoing-request))
        (with "import-type-request-options" (type $request-options))
        (with "import-type-future-incoming-response" (type $future-incoming-response))
        (with "import-type-error-code" (type $error-code))
        (with "import-type-outgoing-request0" (type $outgoing-request))
        (with "import-type-request-options0" (type $request-options))
        (with "import-type-future-incoming-response0" (type $future-incoming-response))
        (with "import-type-error-code0" (type $error-code))
      )
    )
    (export $weld-guard-probe:http/outgoing-handler@0.2.6 (;6;) "weld-guard-probe:http/outgoing-handler@0.2.6" (instance $weld-guard-probe:http/outgoing-handler@0.2.6-shim-instance))
    (type (;19;) (option string))
    (type (;20;) (result 19 (error 7)))
    (type (;21;) (func (param "key" string) (result 20)))
    (alias core export $main "weld-guard-probe:config/store@0.2.0-rc.1#get" (core func $weld-guard-probe:config/store@0.2.0-rc.1#get (;11;)))
    (alias core export $main "cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get" (core func $cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get (;12;)))
    (func $"#func5 get" (@name "get") (;5;) (type 21) (canon lift (core func $weld-guard-probe:config/store@0.2.0-rc.1#get) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8 (post-return $cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get)))
    (component $weld-guard-probe:config/store@0.2.0-rc.1-shim-component (;2;)
      (type (;0;) (option string))
      (type (;1;) (variant (case "upstream" string) (case "io" string)))
      (import "import-type-error" (type (;2;) (eq 1)))
      (type (;3;) (result 0 (error 2)))
      (type (;4;) (func (param "key" string) (result 3)))
      (import "import-func-get" (func (;0;) (type 4)))
      (type (;5;) (variant (case "upstream" string) (case "io" string)))
      (export (;6;) "error" (type 5))
      (type (;7;) (option string))
      (type (;8;) (result 7 (error 6)))
      (type (;9;) (func (param "key" string) (result 8)))
      (export (;1;) "get" (func 0) (func (type 9)))
    )
    (instance $weld-guard-probe:config/store@0.2.0-rc.1-shim-instance (;7;) (instantiate $weld-guard-probe:config/store@0.2.0-rc.1-shim-component
        (with "import-func-get" (func $"#func5 get"))
        (with "import-type-error" (type 7))
      )
    )
    (export $weld-guard-probe:config/store@0.2.0-rc.1 (;8;) "weld-guard-probe:config/store@0.2.0-rc.1" (instance $weld-guard-probe:config/store@0.2.0-rc.1-shim-instance))
    (type (;22;) (func (param "message" string)))
    (alias core export $main "weld-guard-probe:logging/logging@0.1.0-draft#log" (core func $weld-guard-probe:logging/logging@0.1.0-draft#log (;13;)))
    (func $log (;6;) (type 22) (canon lift (core func $weld-guard-probe:logging/logging@0.1.0-draft#log) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
    (component $weld-guard-probe:logging/logging@0.1.0-draft-shim-component (;3;)
      (type (;0;) (func (param "message" string)))
      (import "import-func-log" (func (;0;) (type 0)))
      (type (;1;) (func (param "message" string)))
      (export (;1;) "log" (func 0) (func (type 1)))
    )
    (instance $weld-guard-probe:logging/logging@0.1.0-draft-shim-instance (;9;) (instantiate $weld-guard-probe:logging/logging@0.1.0-draft-shim-component
        (with "import-func-log" (func $log))
      )
    )
    (export $weld-guard-probe:logging/logging@0.1.0-draft (;10;) "weld-guard-probe:logging/logging@0.1.0-draft" (instance $weld-guard-probe:logging/logging@0.1.0-draft-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $weld-guard (;3;) (instantiate 0
      (with "wasi:cli/environment@0.2.6" (instance 0))
      (with "wasi:http/types@0.2.6" (instance 1))
      (with "wasi:config/store@0.2.0-rc.1" (instance 2))
    )
  )
  (alias export $weld-guard "weld-guard-probe:cli/environment@0.2.6" (instance (;4;)))
  (alias export $weld-guard "weld-guard-probe:http/outgoing-handler@0.2.6" (instance (;5;)))
  (alias export $weld-guard "weld-guard-probe:config/store@0.2.0-rc.1" (instance (;6;)))
  (alias export $weld-guard "weld-guard-probe:logging/logging@0.1.0-draft" (instance (;7;)))
  (component (;1;)
    (type $ty-wasi:cli/environment@0.2.6 (;0;)
      (instance
        (type (;0;) (tuple string string))
        (type (;1;) (list 0))
        (type (;2;) (func (result 1)))
        (export (;0;) "get-environment" (func (type 2)))
        (type (;3;) (list string))
        (type (;4;) (func (result 3)))
        (export (;1;) "get-arguments" (func (type 4)))
      )
    )
    (import "wasi:cli/environment@0.2.6" (instance $wasi:cli/environment@0.2.6 (;0;) (type $ty-wasi:cli/environment@0.2.6)))
    (type $ty-wasi:http/types@0.2.6 (;1;)
      (instance
        (export (;0;) "outgoing-request" (type (sub resource)))
        (export (;1;) "request-options" (type (sub resource)))
        (export (;2;) "future-incoming-response" (type (sub resource)))
        (type (;3;) (option string))
        (type (;4;) (variant (case "DNS-timeout") (case "HTTP-request-denied") (case "internal-error" 3)))
        (export (;5;) "error-code" (type (eq 4)))
        (type (;6;) (own 0))
        (type (;7;) (func (result 6)))
        (export (;0;) "[constructor]outgoing-request" (func (type 7)))
        (type (;8;) (borrow 0))
        (type (;9;) (func (param "self" 8) (result 3)))
        (export (;1;) "[method]outgoing-request.authority" (func (type 9)))
        (type (;10;) (own 1))
        (type (;11;) (func (result 10)))
        (export (;2;) "[constructor]request-options" (func (type 11)))
      )
    )
    (import "wasi:http/types@0.2.6" (instance $wasi:http/types@0.2.6 (;1;) (type $ty-wasi:http/types@0.2.6)))
    (alias export $wasi:http/types@0.2.6 "outgoing-request" (type $outgoing-request (;2;)))
    (alias export $wasi:http/types@0.2.6 "request-options" (type $request-options (;3;)))
    (alias export $wasi:http/types@0.2.6 "future-incoming-response" (type $future-incoming-response (;4;)))
    (alias export $wasi:http/types@0.2.6 "error-code" (type $error-code (;5;)))
    (type $ty-wasi:http/outgoing-handler@0.2.6 (;6;)
      (instance
        (alias outer 1 $outgoing-request (type (;0;)))
        (export (;1;) "outgoing-request" (type (eq 0)))
        (alias outer 1 $request-options (type (;2;)))
        (export (;3;) "request-options" (type (eq 2)))
        (alias outer 1 $future-incoming-response (type (;4;)))
        (export (;5;) "future-incoming-response" (type (eq 4)))
        (alias outer 1 $error-code (type (;6;)))
        (export (;7;) "error-code" (type (eq 6)))
        (type (;8;) (own 1))
        (type (;9;) (own 3))
        (type (;10;) (option 9))
        (type (;11;) (own 5))
        (type (;12;) (result 11 (error 7)))
        (type (;13;) (func (param "request" 8) (param "options" 10) (result 12)))
        (export (;0;) "handle" (func (type 13)))
      )
    )
    (import "wasi:http/outgoing-handler@0.2.6" (instance $wasi:http/outgoing-handler@0.2.6 (;2;) (type $ty-wasi:http/outgoing-handler@0.2.6)))
    (type $ty-wasi:config/store@0.2.0-rc.1 (;7;)
      (instance
        (type (;0;) (variant (case "upstream" string) (case "io" string)))
        (export (;1;) "error" (type (eq 0)))
        (type (;2;) (option string))
        (type (;3;) (result 2 (error 1)))
        (type (;4;) (func (param "key" string) (result 3)))
        (export (;0;) "get" (func (type 4)))
      )
    )
    (import "wasi:config/store@0.2.0-rc.1" (instance $wasi:config/store@0.2.0-rc.1 (;3;) (type $ty-wasi:config/store@0.2.0-rc.1)))
    (type $ty-wasi:logging/logging@0.1.0-draft (;8;)
      (instance
        (type (;0;) (func (param "message" string)))
        (export (;0;) "log" (func (type 0)))
      )
    )
    (import "wasi:logging/logging@0.1.0-draft" (instance $wasi:logging/logging@0.1.0-draft (;4;) (type $ty-wasi:logging/logging@0.1.0-draft)))
    (core module $main (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (result i32)))
      (type (;2;) (func (param i32 i32)))
      (type (;3;) (func (param i32 i32 i32 i32)))
      (type (;4;) (func (param i32 i32 i32)))
      (type (;5;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;6;) (func))
      (import "cm32p2|wasi:cli/environment@0.2" "get-environment" (func (;0;) (type 0) (param i32)))
      (import "cm32p2|wasi:cli/environment@0.2" "get-arguments" (func (;1;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "[constructor]outgoing-request" (func (;2;) (type 1) (result i32)))
      (import "cm32p2|wasi:http/types@0.2" "[method]outgoing-request.authority" (func (;3;) (type 2) (param i32 i32)))
      (import "cm32p2|wasi:http/types@0.2" "[constructor]request-options" (func (;4;) (type 1) (result i32)))
      (import "cm32p2|wasi:http/types@0.2" "outgoing-request_drop" (func (;5;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "request-options_drop" (func (;6;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "future-incoming-response_drop" (func (;7;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/outgoing-handler@0.2" "handle" (func (;8;) (type 3) (param i32 i32 i32 i32)))
      (import "cm32p2|wasi:config/store@0.2.0-rc.1" "get" (func (;9;) (type 4) (param i32 i32 i32)))
      (import "cm32p2|wasi:logging/logging@0.1.0-draft" "log" (func (;10;) (type 2) (param i32 i32)))
      (memory (;0;) 0)
      (export "cm32p2|test:g/probe|run" (func 11))
      (export "cm32p2|test:g/probe|run_post" (func 12))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 13))
      (export "cm32p2_initialize" (func 14))
      (func (;11;) (type 1) (result i32)
        unreachable
      )
      (func (;12;) (type 0) (param i32))
      (func (;13;) (type 5) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;14;) (type 6))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module $wit-component-shim-module (;1;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func (param i32 i32 i32)))
      (table (;0;) 6 6 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "2" (func 2))
      (export "3" (func 3))
      (export "4" (func 4))
      (export "5" (func 5))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32)
        local.get 0
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 0) (param i32)
        local.get 0
        i32.const 1
        call_indirect (type 0)
      )
      (func (;2;) (type 1) (param i32 i32)
        local.get 0
        local.get 1
        i32.const 2
        call_indirect (type 1)
      )
      (func (;3;) (type 2) (param i32 i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        i32.const 3
        call_indirect (type 2)
      )
      (func (;4;) (type 3) (param i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        i32.const 4
        call_indirect (type 3)
      )
      (func (;5;) (type 1) (param i32 i32)
        local.get 0
        local.get 1
        i32.const 5
        call_indirect (type 1)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
    (alias core export $wit-component-shim-instance "0" (core func $indirect-cm32p2|wasi:cli/environment@0.2-get-environment (;0;)))
    (alias core export $wit-component-shim-instance "1" (core func $indirect-cm32p2|wasi:cli/environment@0.2-get-arguments (;1;)))
    (core instance $cm32p2|wasi:cli/environment@0.2 (;1;)
      (export "get-environment" (func $indirect-cm32p2|wasi:cli/environment@0.2-get-environment))
      (export "get-arguments" (func $indirect-cm32p2|wasi:cli/environment@0.2-get-arguments))
    )
    (alias export $wasi:http/types@0.2.6 "[constructor]outgoing-request" (func $"[constructor]outgoing-request" (;0;)))
    (core func $"[constructor]outgoing-request" (;2;) (canon lower (func $"[constructor]outgoing-request")))
    (alias core export $wit-component-shim-instance "2" (core func $"indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority" (;3;)))
    (alias export $wasi:http/types@0.2.6 "[constructor]request-options" (func $"[constructor]request-options" (;1;)))
    (core func $"[constructor]request-options" (;4;) (canon lower (func $"[constructor]request-options")))
    (alias export $wasi:http/types@0.2.6 "outgoing-request" (type $"#type9 outgoing-request" (@name "outgoing-request") (;9;)))
    (core func $resource.drop (;5;) (canon resource.drop $"#type9 outgoing-request"))
    (alias export $wasi:http/types@0.2.6 "request-options" (type $"#type10 request-options" (@name "request-options") (;10;)))
    (core func $"#core-func6 resource.drop" (@name "resource.drop") (;6;) (canon resource.drop $"#type10 request-options"))
    (alias export $wasi:http/types@0.2.6 "future-incoming-response" (type $"#type11 future-incoming-response" (@name "future-incoming-response") (;11;)))
    (core func $"#core-func7 resource.drop" (@name "resource.drop") (;7;) (canon resource.drop $"#type11 future-incoming-response"))
    (core instance $cm32p2|wasi:http/types@0.2 (;2;)
      (export "[constructor]outgoing-request" (func $"[constructor]outgoing-request"))
      (export "[method]outgoing-request.authority" (func $"indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority"))
      (export "[constructor]request-options" (func $"[constructor]request-options"))
      (export "outgoing-request_drop" (func $resource.drop))
      (export "request-options_drop" (func $"#core-func6 resource.drop"))
      (export "future-incoming-response_drop" (func $"#core-func7 resource.drop"))
    )
    (alias core export $wit-component-shim-instance "3" (core func $indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle (;8;)))
    (core instance $cm32p2|wasi:http/outgoing-handler@0.2 (;3;)
      (export "handle" (func $indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle))
    )
    (alias core export $wit-component-shim-instance "4" (core func $indirect-cm32p2|wasi:config/store@0.2.0-rc.1-get (;9;)))
    (core instance $cm32p2|wasi:config/store@0.2.0-rc.1 (;4;)
      (export "get" (func $indirect-cm32p2|wasi:config/store@0.2.0-rc.1-get))
    )
    (alias core export $wit-component-shim-instance "5" (core func $indirect-cm32p2|wasi:logging/logging@0.1.0-draft-log (;10;)))
    (core instance $cm32p2|wasi:logging/logging@0.1.0-draft (;5;)
      (export "log" (func $indirect-cm32p2|wasi:logging/logging@0.1.0-draft-log))
    )
    (core instance $main (;6;) (instantiate $main
        (with "cm32p2|wasi:cli/environment@0.2" (instance $cm32p2|wasi:cli/environment@0.2))
        (with "cm32p2|wasi:http/types@0.2" (instance $cm32p2|wasi:http/types@0.2))
        (with "cm32p2|wasi:http/outgoing-handler@0.2" (instance $cm32p2|wasi:http/outgoing-handler@0.2))
        (with "cm32p2|wasi:config/store@0.2.0-rc.1" (instance $cm32p2|wasi:config/store@0.2.0-rc.1))
        (with "cm32p2|wasi:logging/logging@0.1.0-draft" (instance $cm32p2|wasi:logging/logging@0.1.0-draft))
      )
    )
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;2;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func (param i32 i32 i32)))
      (type (;4;) (func))
      (import "actual" "0" (func (;0;) (type 0) (param i32)))
      (import "actual" "1" (func (;1;) (type 0) (param i32)))
      (import "actual" "2" (func (;2;) (type 1) (param i32 i32)))
      (import "actual" "3" (func (;3;) (type 2) (param i32 i32 i32 i32)))
      (import "actual" "4" (func (;4;) (type 3) (param i32 i32 i32)))
      (import "actual" "5" (func (;5;) (type 1) (param i32 i32)))
      (import "main" "cm32p2_initialize" (func (;6;) (type 4)))
      (import "shim" "$imports" (table (;0;) 6 6 funcref))
      (start 6)
      (elem (;0;) (i32.const 0) func 0 1 2 3 4 5)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (alias export $wasi:cli/environment@0.2.6 "get-environment" (func $get-environment (;2;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;11;)))
    (core func $"#core-func12 indirect-cm32p2|wasi:cli/environment@0.2-get-environment" (@name "indirect-cm32p2|wasi:cli/environment@0.2-get-environment") (;12;) (canon lower (func $get-environment) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:cli/environment@0.2.6 "get-arguments" (func $get-arguments (;3;)))
    (core func $"#core-func13 indirect-cm32p2|wasi:cli/environment@0.2-get-arguments" (@name "indirect-cm32p2|wasi:cli/environment@0.2-get-arguments") (;13;) (canon lower (func $get-arguments) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:http/types@0.2.6 "[method]outgoing-request.authority" (func $"[method]outgoing-request.authority" (;4;)))
    (core func $"#core-func14 indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority" (@name "indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority") (;14;) (canon lower (func $"[method]outgoing-request.authority") (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:http/outgoing-handler@0.2.6 "handle" (func $handle (;5;)))
    (core func $"#core-func15 indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle" (@name "indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle") (;15;) (canon lower (func $handle) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:config/store@0.2.0-rc.1 "get" (func $get (;6;)))
    (core func $"#core-func16 indirect-cm32p2|wasi:config/store@0.2.0-rc.1-get" (@name "indirect-cm32p2|wasi:config/store@0.2.0-rc.1-get") (;16;) (canon lower (func $get) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:logging/logging@0.1.0-draft "log" (func $log (;7;)))
    (core func $"#core-func17 indirect-cm32p2|wasi:logging/logging@0.1.0-draft-log" (@name "indirect-cm32p2|wasi:logging/logging@0.1.0-draft-log") (;17;) (canon lower (func $log) (memory $memory) string-encoding=utf8))
    (core instance $actual (;7;)
      (export "0" (func $"#core-func12 indirect-cm32p2|wasi:cli/environment@0.2-get-environment"))
      (export "1" (func $"#core-func13 indirect-cm32p2|wasi:cli/environment@0.2-get-arguments"))
      (export "2" (func $"#core-func14 indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority"))
      (export "3" (func $"#core-func15 indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle"))
      (export "4" (func $"#core-func16 indirect-cm32p2|wasi:config/store@0.2.0-rc.1-get"))
      (export "5" (func $"#core-func17 indirect-cm32p2|wasi:logging/logging@0.1.0-draft-log"))
    )
    (core instance $fixup (;8;) (instantiate $wit-component-fixup
        (with "actual" (instance $actual))
        (with "main" (instance $main))
        (with "shim" (instance $wit-component-shim-instance))
      )
    )
    (type (;12;) (func (result string)))
    (alias core export $main "cm32p2|test:g/probe|run" (core func $cm32p2|test:g/probe|run (;18;)))
    (alias core export $main "cm32p2|test:g/probe|run_post" (core func $cm32p2|test:g/probe|run_post (;19;)))
    (func $run (;8;) (type 12) (canon lift (core func $cm32p2|test:g/probe|run) (memory $memory) string-encoding=utf8 (post-return $cm32p2|test:g/probe|run_post)))
    (component $test:g/probe-shim-component (;0;)
      (type (;0;) (func (result string)))
      (import "import-func-run" (func (;0;) (type 0)))
      (type (;1;) (func (result string)))
      (export (;1;) "run" (func 0) (func (type 1)))
    )
    (instance $test:g/probe-shim-instance (;5;) (instantiate $test:g/probe-shim-component
        (with "import-func-run" (func $run))
      )
    )
    (export $test:g/probe (;6;) "test:g/probe" (instance $test:g/probe-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $probe (;8;) (instantiate 1
      (with "wasi:logging/logging@0.1.0-draft" (instance 7))
      (with "wasi:config/store@0.2.0-rc.1" (instance 6))
      (with "wasi:http/outgoing-handler@0.2.6" (instance 5))
      (with "wasi:cli/environment@0.2.6" (instance 4))
      (with "wasi:http/types@0.2.6" (instance 1))
    )
  )
  (alias export $probe "test:g/probe" (instance (;9;)))
  (export (;10;) "test:g/probe" (instance 9))
  (@producers
    (processed-by "weld" "0.1.0")
  )
  (@custom "weld:grants" "{\22format\22:1,\22stages\22:{\22probe\22:{\22config\22:[{\22key\22:\22greeting\22,\22default\22:\22hello\22},{\22key\22:\22secret\22,\22secret\22:true}],\22env\22:[\22LOG_LEVEL\22]}}}")
)
