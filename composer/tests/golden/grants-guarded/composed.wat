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
      (type (;0;) (variant (case "upstream" string) (case "io" string)))
      (export (;1;) "error" (type (eq 0)))
      (type (;2;) (option string))
      (type (;3;) (result 2 (error 1)))
      (type (;4;) (func (param "key" string) (result 3)))
      (export (;0;) "get" (func (type 4)))
    )
  )
  (import "wasi:config/store@0.2.0-rc.1" (instance (;1;) (type 1)))
  (type (;2;)
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
  (import "wasi:http/types@0.2.6" (instance (;2;) (type 2)))
  (component (;0;)
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
        (type (;0;) (variant (case "upstream" string) (case "io" string)))
        (export (;1;) "error" (type (eq 0)))
        (type (;2;) (option string))
        (type (;3;) (result 2 (error 1)))
        (type (;4;) (func (param "key" string) (result 3)))
        (export (;0;) "get" (func (type 4)))
      )
    )
    (import "wasi:config/store@0.2.0-rc.1" (instance (;1;) (type 1)))
    (core module (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32)))
      (type (;2;) (func (result i32)))
      (type (;3;) (func (param i32 i32) (result i32)))
      (type (;4;) (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi:cli/environment@0.2.6" "get-environment" (func $import0 (;0;) (type 0) (param i32)))
      (import "wasi:config/store@0.2.0-rc.1" "get" (func $import1 (;1;) (type 1) (param i32 i32 i32)))
      (import "weld:memory" "memory" (memory (;0;) 1))
      (import "weld:memory" "realloc-table" (table (;0;) 1 1 funcref))
      (global $heap_base (;0;) i32 i32.const 136)
      (global $heap (;1;) (mut i32) i32.const 136)
      (export "memory" (memory 0))
      (export "weld-guard-probe:cli/environment@0.2.6#get-environment" (func $f1))
      (export "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment" (func 3))
      (export "weld-guard-probe:cli/environment@0.2.6#get-arguments" (func $f2))
      (export "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments" (func 5))
      (export "weld-guard-probe:config/store@0.2.0-rc.1#get" (func $f3))
      (export "cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get" (func 7))
      (export "cabi_realloc" (func 9))
      (elem (;0;) (table 0) (i32.const 0) func 9)
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
      (func $f3 (;6;) (type 3) (param i32 i32) (result i32)
        local.get 0
        local.get 1
        i32.const 80
        i32.const 8
        call $eq
        if ;; label = @1
          i32.const 88
          i32.const 14
          i32.const 48
          call $import1
          i32.const 48
          i32.load8_u
          i32.const 48
          i32.load8_u offset=4
          i32.or
          i32.eqz
          if ;; label = @2
            i32.const 48
            i32.const 1
            i32.store8 offset=4
            i32.const 48
            i32.const 104
            i32.store offset=8
            i32.const 48
            i32.const 5
            i32.store offset=12
          end
          i32.const 48
          return
        end
        local.get 0
        local.get 1
        i32.const 112
        i32.const 6
        call $eq
        if ;; label = @1
          i32.const 120
          i32.const 12
          i32.const 48
          call $import1
          i32.const 48
          return
        end
        i32.const 64
      )
      (func (;7;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $alloc (;8;) (type 3) (param $size i32) (param $align i32) (result i32)
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
      (func (;9;) (type 4) (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
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
      (func $eq (;10;) (type 4) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
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
      (func $eq_lower (;11;) (type 4) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
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
      (func $host_part (;12;) (type 3) (param $at i32) (param $len i32) (result i32)
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
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module (;1;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32) (result i32)))
      (table (;0;) 1 1 funcref)
      (memory (;0;) 1)
      (export "memory" (memory 0))
      (export "realloc-table" (table 0))
      (export "realloc" (func $weld:realloc))
      (func $weld:realloc (;0;) (type 2) (param i32 i32 i32 i32) (result i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        i32.const 0
        call_indirect (type 2)
      )
      (data (;0;) (i32.const 24) "LOG_LEVEL")
      (data (;1;) (i32.const 40) "\04\00\00\00\00\00\00\00")
      (data (;2;) (i32.const 80) "greeting")
      (data (;3;) (i32.const 88) "probe.greeting")
      (data (;4;) (i32.const 104) "hello")
      (data (;5;) (i32.const 112) "secret")
      (data (;6;) (i32.const 120) "probe.secret")
    )
    (core instance (;0;) (instantiate 1))
    (alias core export 0 "memory" (core memory (;0;)))
    (alias core export 0 "realloc" (core func (;0;)))
    (type (;2;) (variant (case "upstream" string) (case "io" string)))
    (alias export 0 "get-environment" (func (;0;)))
    (core func (;1;) (canon lower (func 0) (memory 0) (realloc 0) string-encoding=utf8))
    (core instance (;1;)
      (export "get-environment" (func 1))
    )
    (alias export 1 "get" (func (;1;)))
    (core func (;2;) (canon lower (func 1) (memory 0) (realloc 0) string-encoding=utf8))
    (core instance (;2;)
      (export "get" (func 2))
    )
    (core instance (;3;) (instantiate 0
        (with "wasi:cli/environment@0.2.6" (instance 1))
        (with "wasi:config/store@0.2.0-rc.1" (instance 2))
        (with "weld:memory" (instance 0))
      )
    )
    (alias core export 3 "memory" (core memory (;1;)))
    (alias core export 3 "cabi_realloc" (core func (;3;)))
    (type (;3;) (tuple string string))
    (type (;4;) (list 3))
    (type (;5;) (func (result 4)))
    (alias core export 3 "weld-guard-probe:cli/environment@0.2.6#get-environment" (core func (;4;)))
    (alias core export 3 "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-environment" (core func (;5;)))
    (func (;2;) (type 5) (canon lift (core func 4) (memory 1) string-encoding=utf8 (post-return 5)))
    (type (;6;) (list string))
    (type (;7;) (func (result 6)))
    (alias core export 3 "weld-guard-probe:cli/environment@0.2.6#get-arguments" (core func (;6;)))
    (alias core export 3 "cabi_post_weld-guard-probe:cli/environment@0.2.6#get-arguments" (core func (;7;)))
    (func (;3;) (type 7) (canon lift (core func 6) (memory 1) string-encoding=utf8 (post-return 7)))
    (component (;0;)
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
    (instance (;2;) (instantiate 0
        (with "import-func-get-environment" (func 2))
        (with "import-func-get-arguments" (func 3))
      )
    )
    (export (;3;) "weld-guard-probe:cli/environment@0.2.6" (instance 2))
    (type (;8;) (option string))
    (type (;9;) (result 8 (error 2)))
    (type (;10;) (func (param "key" string) (result 9)))
    (alias core export 3 "weld-guard-probe:config/store@0.2.0-rc.1#get" (core func (;8;)))
    (alias core export 3 "cabi_post_weld-guard-probe:config/store@0.2.0-rc.1#get" (core func (;9;)))
    (func (;4;) (type 10) (canon lift (core func 8) (memory 1) (realloc 3) string-encoding=utf8 (post-return 9)))
    (component (;1;)
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
    (instance (;4;) (instantiate 1
        (with "import-func-get" (func 4))
        (with "import-type-error" (type 2))
      )
    )
    (export (;5;) "weld-guard-probe:config/store@0.2.0-rc.1" (instance 4))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $weld-guard (;3;) (instantiate 0
      (with "wasi:cli/environment@0.2.6" (instance 0))
      (with "wasi:config/store@0.2.0-rc.1" (instance 1))
    )
  )
  (alias export $weld-guard "weld-guard-probe:cli/environment@0.2.6" (instance (;4;)))
  (alias export $weld-guard "weld-guard-probe:config/store@0.2.0-rc.1" (instance (;5;)))
  (component (;1;)
    (type (;0;)
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
        (type (;9;) (func (param "self" 8) (result 3)))
        (export (;1;) "[method]outgoing-request.authority" (func (type 9)))
        (type (;10;) (own 1))
        (type (;11;) (func (result 10)))
        (export (;2;) "[constructor]request-options" (func (type 11)))
      )
    )
    (import "wasi:http/types@0.2.6" (instance (;1;) (type 1)))
    (alias export 1 "outgoing-request" (type (;2;)))
    (alias export 1 "request-options" (type (;3;)))
    (alias export 1 "future-incoming-response" (type (;4;)))
    (alias export 1 "error-code" (type (;5;)))
    (type (;6;)
      (instance
        (type (;0;) (variant (case "upstream" string) (case "io" string)))
        (export (;1;) "error" (type (eq 0)))
        (type (;2;) (option string))
        (type (;3;) (result 2 (error 1)))
        (type (;4;) (func (param "key" string) (result 3)))
        (export (;0;) "get" (func (type 4)))
      )
    )
    (import "wasi:config/store@0.2.0-rc.1" (instance (;2;) (type 6)))
    (core module (;0;)
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
    (core module (;1;)
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
    (core instance (;0;) (instantiate 1))
    (alias core export 0 "0" (core func (;0;)))
    (alias core export 0 "1" (core func (;1;)))
    (core instance (;1;)
      (export "get-environment" (func 0))
      (export "get-arguments" (func 1))
    )
    (alias export 1 "[constructor]outgoing-request" (func (;0;)))
    (core func (;2;) (canon lower (func 0)))
    (alias core export 0 "2" (core func (;3;)))
    (alias export 1 "[constructor]request-options" (func (;1;)))
    (core func (;4;) (canon lower (func 1)))
    (alias export 1 "outgoing-request" (type (;7;)))
    (core func (;5;) (canon resource.drop 7))
    (alias export 1 "request-options" (type (;8;)))
    (core func (;6;) (canon resource.drop 8))
    (alias export 1 "future-incoming-response" (type (;9;)))
    (core func (;7;) (canon resource.drop 9))
    (core instance (;2;)
      (export "[constructor]outgoing-request" (func 2))
      (export "[method]outgoing-request.authority" (func 3))
      (export "[constructor]request-options" (func 4))
      (export "outgoing-request_drop" (func 5))
      (export "request-options_drop" (func 6))
      (export "future-incoming-response_drop" (func 7))
    )
    (alias core export 0 "3" (core func (;8;)))
    (core instance (;3;)
      (export "handle" (func 8))
    )
    (alias core export 0 "4" (core func (;9;)))
    (core instance (;4;)
      (export "get" (func 9))
    )
    (alias core export 0 "5" (core func (;10;)))
    (core instance (;5;)
      (export "log" (func 10))
    )
    (core instance (;6;) (instantiate 0
        (with "cm32p2|wasi:cli/environment@0.2" (instance 1))
        (with "cm32p2|wasi:http/types@0.2" (instance 2))
        (with "cm32p2|wasi:http/outgoing-handler@0.2" (instance 3))
        (with "cm32p2|wasi:config/store@0.2.0-rc.1" (instance 4))
        (with "cm32p2|wasi:logging/logging@0.1.0-draft" (instance 5))
      )
    )
    (alias core export 6 "cm32p2_memory" (core memory (;0;)))
    (core module (;2;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func (param i32 i32 i32)))
      (type (;4;) (func))
      (import "actual" "0" (func (;0;) (type 0) (param i32)))
      (import "actual" "1" (func (;1;) (type 0) (param i32)))
      (import "actual" "2" (func (;2;) (type 1) (param i32 i32)))
      (import "actual" "4" (func (;3;) (type 3) (param i32 i32 i32)))
      (import "main" "cm32p2_initialize" (func (;4;) (type 4)))
      (import "shim" "$imports" (table (;0;) 6 6 funcref))
      (import "actual" "weld-refusal-memory" (memory (;0;) 0))
      (start 4)
      (elem (;0;) (i32.const 0) func 0 1 2 5 3 $weld-deny:probe:host:wasi:logging/logging@0.1.0-draft#log)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
      (func (;5;) (type 2) (param i32 i32 i32 i32)
        local.get 3
        i64.const 4294967297
        i64.store align=1
        local.get 3
        i64.const 0
        i64.store offset=8 align=1
        local.get 3
        i32.const 0
        i32.store8 offset=16
        local.get 3
        i32.const 0
        i32.store8 offset=17
        local.get 3
        i32.const 0
        i32.store8 offset=18
        local.get 3
        i32.const 0
        i32.store8 offset=19
      )
      (func $weld-deny:probe:host:wasi:logging/logging@0.1.0-draft#log (;6;) (type 1) (param i32 i32)
        unreachable
      )
    )
    (alias export 0 "get-environment" (func (;2;)))
    (alias core export 6 "cm32p2_realloc" (core func (;11;)))
    (core func (;12;) (canon lower (func 2) (memory 0) (realloc 11) string-encoding=utf8))
    (alias export 0 "get-arguments" (func (;3;)))
    (core func (;13;) (canon lower (func 3) (memory 0) (realloc 11) string-encoding=utf8))
    (alias export 1 "[method]outgoing-request.authority" (func (;4;)))
    (core func (;14;) (canon lower (func 4) (memory 0) (realloc 11) string-encoding=utf8))
    (alias export 2 "get" (func (;5;)))
    (core func (;15;) (canon lower (func 5) (memory 0) (realloc 11) string-encoding=utf8))
    (core instance (;7;)
      (export "0" (func 12))
      (export "1" (func 13))
      (export "2" (func 14))
      (export "4" (func 15))
      (export "weld-refusal-memory" (memory 0))
    )
    (core instance (;8;) (instantiate 2
        (with "actual" (instance 7))
        (with "main" (instance 6))
        (with "shim" (instance 0))
      )
    )
    (type (;10;) (func (result string)))
    (alias core export 6 "cm32p2|test:g/probe|run" (core func (;16;)))
    (alias core export 6 "cm32p2|test:g/probe|run_post" (core func (;17;)))
    (func (;6;) (type 10) (canon lift (core func 16) (memory 0) string-encoding=utf8 (post-return 17)))
    (component (;0;)
      (type (;0;) (func (result string)))
      (import "import-func-run" (func (;0;) (type 0)))
      (type (;1;) (func (result string)))
      (export (;1;) "run" (func 0) (func (type 1)))
    )
    (instance (;3;) (instantiate 0
        (with "import-func-run" (func 6))
      )
    )
    (export (;4;) "test:g/probe" (instance 3))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $probe (;6;) (instantiate 1
      (with "wasi:config/store@0.2.0-rc.1" (instance 5))
      (with "wasi:cli/environment@0.2.6" (instance 4))
      (with "wasi:http/types@0.2.6" (instance 2))
    )
  )
  (alias export $probe "test:g/probe" (instance (;7;)))
  (export (;8;) "test:g/probe" (instance 7))
  (@producers
    (processed-by "weld" "0.1.0")
  )
  (@custom "weld:grants" "{\22format\22:1,\22stages\22:{\22probe\22:{\22config\22:[{\22key\22:\22greeting\22,\22default\22:\22hello\22},{\22key\22:\22secret\22,\22secret\22:true}],\22env\22:[\22LOG_LEVEL\22]}}}")
)
