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
      (type (;6;) (borrow 0))
      (type (;7;) (func (param "self" 6) (result 3)))
      (export (;0;) "[method]outgoing-request.authority" (func (type 7)))
      (type (;8;) (own 0))
      (type (;9;) (func (result 8)))
      (export (;1;) "[constructor]outgoing-request" (func (type 9)))
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
      (alias outer 1 2 (type (;0;)))
      (export (;1;) "outgoing-request" (type (eq 0)))
      (alias outer 1 3 (type (;2;)))
      (export (;3;) "request-options" (type (eq 2)))
      (alias outer 1 4 (type (;4;)))
      (export (;5;) "future-incoming-response" (type (eq 4)))
      (alias outer 1 5 (type (;6;)))
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
  (import "wasi:http/outgoing-handler@0.2.6" (instance (;2;) (type 6)))
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
        (export (;0;) "outgoing-request" (type (sub resource)))
        (export (;1;) "request-options" (type (sub resource)))
        (export (;2;) "future-incoming-response" (type (sub resource)))
        (type (;3;) (option string))
        (type (;4;) (variant (case "DNS-timeout") (case "HTTP-request-denied") (case "internal-error" 3)))
        (export (;5;) "error-code" (type (eq 4)))
        (type (;6;) (borrow 0))
        (type (;7;) (func (param "self" 6) (result 3)))
        (export (;0;) "[method]outgoing-request.authority" (func (type 7)))
      )
    )
    (import "wasi:http/types@0.2.6" (instance (;1;) (type 1)))
    (alias export 1 "outgoing-request" (type (;2;)))
    (alias export 1 "request-options" (type (;3;)))
    (alias export 1 "future-incoming-response" (type (;4;)))
    (alias export 1 "error-code" (type (;5;)))
    (type (;6;)
      (instance
        (alias outer 1 2 (type (;0;)))
        (export (;1;) "outgoing-request" (type (eq 0)))
        (alias outer 1 3 (type (;2;)))
        (export (;3;) "request-options" (type (eq 2)))
        (alias outer 1 4 (type (;4;)))
        (export (;5;) "future-incoming-response" (type (eq 4)))
        (alias outer 1 5 (type (;6;)))
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
    (import "wasi:http/outgoing-handler@0.2.6" (instance (;2;) (type 6)))
    (core module (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32 i32 i32)))
      (type (;2;) (func (param i32 i32)))
      (type (;3;) (func (param i32 i64) (result i32)))
      (type (;4;) (func (result i32)))
      (type (;5;) (func (param i32 i32 i32) (result i32)))
      (type (;6;) (func (param i32 i32) (result i32)))
      (type (;7;) (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi:cli/environment@0.2.6" "get-environment" (func $import0 (;0;) (type 0) (param i32)))
      (import "wasi:http/outgoing-handler@0.2.6" "handle" (func $import1 (;1;) (type 1) (param i32 i32 i32 i32)))
      (import "wasi:http/types@0.2.6" "[resource-drop]outgoing-request" (func $import2 (;2;) (type 0) (param i32)))
      (import "wasi:http/types@0.2.6" "[resource-drop]request-options" (func $import3 (;3;) (type 0) (param i32)))
      (import "wasi:http/types@0.2.6" "[method]outgoing-request.authority" (func $import4 (;4;) (type 2) (param i32 i32)))
      (import "weld:memory" "memory" (memory (;0;) 1))
      (import "weld:memory" "realloc-table" (table (;0;) 1 1 funcref))
      (global $heap_base (;0;) i32 i32.const 104)
      (global $heap (;1;) (mut i32) i32.const 104)
      (export "memory" (memory 0))
      (export "weld-guard-back:filesystem/types@0.2.6#[method]descriptor.read-via-stream" (func $f1))
      (export "cabi_post_weld-guard-back:filesystem/types@0.2.6#[method]descriptor.read-via-stream" (func 6))
      (export "weld-guard-front:cli/environment@0.2.6#get-environment" (func $f2))
      (export "cabi_post_weld-guard-front:cli/environment@0.2.6#get-environment" (func 8))
      (export "weld-guard-front:http/outgoing-handler@0.2.6#handle" (func $f3))
      (export "cabi_post_weld-guard-front:http/outgoing-handler@0.2.6#handle" (func 10))
      (export "cabi_realloc" (func 12))
      (elem (;0;) (table 0) (i32.const 0) func 12)
      (func $f1 (;5;) (type 3) (param i32 i64) (result i32)
        i32.const 16
      )
      (func (;6;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $f2 (;7;) (type 4) (result i32)
        (local $list i32) (local $len i32) (local $i i32) (local $kept i32) (local $entry i32) (local $name i32) (local $name_len i32)
        i32.const 24
        call $import0
        i32.const 24
        i32.load
        local.set $list
        i32.const 24
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
            i32.const 32
            i32.const 2
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
        i32.const 24
        local.get $kept
        i32.store offset=4
        i32.const 24
      )
      (func (;8;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $f3 (;9;) (type 5) (param i32 i32 i32) (result i32)
        (local $ptr i32) (local $len i32) (local $host_len i32) (local $ok i32)
        local.get 0
        i32.const 76
        call $import4
        i32.const 76
        i32.load8_u
        if ;; label = @1
          i32.const 76
          i32.load offset=4
          local.set $ptr
          i32.const 76
          i32.load offset=8
          local.set $len
          local.get $ptr
          local.get $len
          call $host_part
          local.set $host_len
          i32.const 0
          i32.const 0
          i32.ge_s
          if ;; label = @2
            local.get $ptr
            i32.const 0
            i32.add
            local.get $host_len
            i32.const 0
            i32.sub
            i32.const 88
            i32.const 15
            call $eq_lower
            if ;; label = @3
              i32.const 1
              local.set $ok
            end
          end
        end
        local.get $ok
        if ;; label = @1
          local.get 0
          local.get 1
          local.get 2
          i32.const 36
          call $import1
          i32.const 36
          return
        end
        local.get 0
        call $import2
        local.get 1
        if ;; label = @1
          local.get 2
          call $import3
        end
        i32.const 56
      )
      (func (;10;) (type 0) (param i32)
        global.get $heap_base
        global.set $heap
      )
      (func $alloc (;11;) (type 6) (param $size i32) (param $align i32) (result i32)
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
      (func (;12;) (type 7) (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
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
      (func $eq (;13;) (type 7) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
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
      (func $eq_lower (;14;) (type 7) (param $a i32) (param $a_len i32) (param $b i32) (param $b_len i32) (result i32)
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
      (func $host_part (;15;) (type 6) (param $at i32) (param $len i32) (result i32)
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
      (type (;1;) (func (param i32 i32 i32 i32)))
      (type (;2;) (func (param i32 i32)))
      (type (;3;) (func (param i32 i32 i32 i32) (result i32)))
      (table (;0;) 1 1 funcref)
      (memory (;0;) 1)
      (export "memory" (memory 0))
      (export "realloc-table" (table 0))
      (export "realloc" (func $weld:realloc))
      (func $weld:realloc (;0;) (type 3) (param i32 i32 i32 i32) (result i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        i32.const 0
        call_indirect (type 3)
      )
      (data (;0;) (i32.const 16) "\01\00\00\00\00\00\00\00")
      (data (;1;) (i32.const 32) "TZ")
      (data (;2;) (i32.const 56) "\01\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
      (data (;3;) (i32.const 88) "api.example.com")
    )
    (core instance (;0;) (instantiate 1))
    (alias core export 0 "memory" (core memory (;0;)))
    (alias core export 0 "realloc" (core func (;0;)))
    (type (;7;) (resource (rep i32)))
    (type (;8;) (enum "access" "not-permitted"))
    (alias export 1 "outgoing-request" (type (;9;)))
    (alias export 1 "request-options" (type (;10;)))
    (alias export 1 "future-incoming-response" (type (;11;)))
    (alias export 1 "error-code" (type (;12;)))
    (alias export 0 "get-environment" (func (;0;)))
    (core func (;1;) (canon lower (func 0) (memory 0) (realloc 0) string-encoding=utf8))
    (core instance (;1;)
      (export "get-environment" (func 1))
    )
    (alias export 2 "handle" (func (;1;)))
    (core func (;2;) (canon lower (func 1) (memory 0) (realloc 0) string-encoding=utf8))
    (core instance (;2;)
      (export "handle" (func 2))
    )
    (alias export 1 "outgoing-request" (type (;13;)))
    (core func (;3;) (canon resource.drop 13))
    (alias export 1 "request-options" (type (;14;)))
    (core func (;4;) (canon resource.drop 14))
    (alias export 1 "[method]outgoing-request.authority" (func (;2;)))
    (core func (;5;) (canon lower (func 2) (memory 0) (realloc 0) string-encoding=utf8))
    (core instance (;3;)
      (export "[resource-drop]outgoing-request" (func 3))
      (export "[resource-drop]request-options" (func 4))
      (export "[method]outgoing-request.authority" (func 5))
    )
    (core instance (;4;) (instantiate 0
        (with "wasi:cli/environment@0.2.6" (instance 1))
        (with "wasi:http/outgoing-handler@0.2.6" (instance 2))
        (with "wasi:http/types@0.2.6" (instance 3))
        (with "weld:memory" (instance 0))
      )
    )
    (alias core export 4 "memory" (core memory (;1;)))
    (alias core export 4 "cabi_realloc" (core func (;6;)))
    (type (;15;) (borrow 7))
    (type (;16;) (result u32 (error 8)))
    (type (;17;) (func (param "self" 15) (param "offset" u64) (result 16)))
    (alias core export 4 "weld-guard-back:filesystem/types@0.2.6#[method]descriptor.read-via-stream" (core func (;7;)))
    (alias core export 4 "cabi_post_weld-guard-back:filesystem/types@0.2.6#[method]descriptor.read-via-stream" (core func (;8;)))
    (func (;3;) (type 17) (canon lift (core func 7) (memory 1) (post-return 8)))
    (component (;0;)
      (import "import-type-descriptor" (type (;0;) (sub resource)))
      (type (;1;) (borrow 0))
      (type (;2;) (enum "access" "not-permitted"))
      (import "import-type-error-code" (type (;3;) (eq 2)))
      (type (;4;) (result u32 (error 3)))
      (type (;5;) (func (param "self" 1) (param "offset" u64) (result 4)))
      (import "import-method-descriptor-read-via-stream" (func (;0;) (type 5)))
      (export (;6;) "descriptor" (type 0))
      (type (;7;) (enum "access" "not-permitted"))
      (export (;8;) "error-code" (type 7))
      (type (;9;) (borrow 6))
      (type (;10;) (result u32 (error 8)))
      (type (;11;) (func (param "self" 9) (param "offset" u64) (result 10)))
      (export (;1;) "[method]descriptor.read-via-stream" (func 0) (func (type 11)))
    )
    (instance (;3;) (instantiate 0
        (with "import-method-descriptor-read-via-stream" (func 3))
        (with "import-type-descriptor" (type 7))
        (with "import-type-error-code" (type 8))
      )
    )
    (export (;4;) "weld-guard-back:filesystem/types@0.2.6" (instance 3))
    (type (;18;) (tuple string string))
    (type (;19;) (list 18))
    (type (;20;) (func (result 19)))
    (alias core export 4 "weld-guard-front:cli/environment@0.2.6#get-environment" (core func (;9;)))
    (alias core export 4 "cabi_post_weld-guard-front:cli/environment@0.2.6#get-environment" (core func (;10;)))
    (func (;4;) (type 20) (canon lift (core func 9) (memory 1) string-encoding=utf8 (post-return 10)))
    (component (;1;)
      (type (;0;) (tuple string string))
      (type (;1;) (list 0))
      (type (;2;) (func (result 1)))
      (import "import-func-get-environment" (func (;0;) (type 2)))
      (type (;3;) (tuple string string))
      (type (;4;) (list 3))
      (type (;5;) (func (result 4)))
      (export (;1;) "get-environment" (func 0) (func (type 5)))
    )
    (instance (;5;) (instantiate 1
        (with "import-func-get-environment" (func 4))
      )
    )
    (export (;6;) "weld-guard-front:cli/environment@0.2.6" (instance 5))
    (type (;21;) (own 9))
    (type (;22;) (own 10))
    (type (;23;) (option 22))
    (type (;24;) (own 11))
    (type (;25;) (result 24 (error 12)))
    (type (;26;) (func (param "request" 21) (param "options" 23) (result 25)))
    (alias core export 4 "weld-guard-front:http/outgoing-handler@0.2.6#handle" (core func (;11;)))
    (alias core export 4 "cabi_post_weld-guard-front:http/outgoing-handler@0.2.6#handle" (core func (;12;)))
    (func (;5;) (type 26) (canon lift (core func 11) (memory 1) string-encoding=utf8 (post-return 12)))
    (component (;2;)
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
    (instance (;7;) (instantiate 2
        (with "import-func-handle" (func 5))
        (with "import-type-outgoing-request" (type 9))
        (with "import-type-request-options" (type 10))
        (with "import-type-future-incoming-response" (type 11))
        (with "import-type-error-code" (type 12))
        (with "import-type-outgoing-request0" (type 9))
        (with "import-type-request-options0" (type 10))
        (with "import-type-future-incoming-response0" (type 11))
        (with "import-type-error-code0" (type 12))
      )
    )
    (export (;8;) "weld-guard-front:http/outgoing-handler@0.2.6" (instance 7))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $weld-guard (;3;) (instantiate 0
      (with "wasi:cli/environment@0.2.6" (instance 0))
      (with "wasi:http/types@0.2.6" (instance 1))
      (with "wasi:http/outgoing-handler@0.2.6" (instance 2))
    )
  )
  (alias export $weld-guard "weld-guard-back:filesystem/types@0.2.6" (instance (;4;)))
  (component (;1;)
    (type (;0;)
      (instance
        (export (;0;) "descriptor" (type (sub resource)))
        (type (;1;) (enum "access" "not-permitted"))
        (export (;2;) "error-code" (type (eq 1)))
        (type (;3;) (borrow 0))
        (type (;4;) (result u32 (error 2)))
        (type (;5;) (func (param "self" 3) (param "offset" u64) (result 4)))
        (export (;0;) "[method]descriptor.read-via-stream" (func (type 5)))
      )
    )
    (import "wasi:filesystem/types@0.2.6" (instance (;0;) (type 0)))
    (alias export 0 "descriptor" (type (;1;)))
    (core module (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i64 i32)))
      (type (;2;) (func (result i32)))
      (type (;3;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;4;) (func))
      (import "cm32p2|wasi:cli/environment@0.2" "get-environment" (func (;0;) (type 0) (param i32)))
      (import "cm32p2|wasi:filesystem/types@0.2" "[method]descriptor.read-via-stream" (func (;1;) (type 1) (param i32 i64 i32)))
      (import "cm32p2|wasi:filesystem/types@0.2" "descriptor_drop" (func (;2;) (type 0) (param i32)))
      (import "cm32p2|wasi:filesystem/preopens@0.2" "get-directories" (func (;3;) (type 0) (param i32)))
      (memory (;0;) 0)
      (export "cm32p2|test:s/back|work" (func 4))
      (export "cm32p2|test:s/back|work_post" (func 5))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 6))
      (export "cm32p2_initialize" (func 7))
      (func (;4;) (type 2) (result i32)
        unreachable
      )
      (func (;5;) (type 0) (param i32))
      (func (;6;) (type 3) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;7;) (type 4))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module (;1;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i64 i32)))
      (table (;0;) 3 3 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "2" (func 2))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32)
        local.get 0
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 1) (param i32 i64 i32)
        local.get 0
        local.get 1
        local.get 2
        i32.const 1
        call_indirect (type 1)
      )
      (func (;2;) (type 0) (param i32)
        local.get 0
        i32.const 2
        call_indirect (type 0)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance (;0;) (instantiate 1))
    (alias core export 0 "0" (core func (;0;)))
    (core instance (;1;)
      (export "get-environment" (func 0))
    )
    (alias core export 0 "1" (core func (;1;)))
    (alias export 0 "descriptor" (type (;2;)))
    (core func (;2;) (canon resource.drop 2))
    (core instance (;2;)
      (export "[method]descriptor.read-via-stream" (func 1))
      (export "descriptor_drop" (func 2))
    )
    (alias core export 0 "2" (core func (;3;)))
    (core instance (;3;)
      (export "get-directories" (func 3))
    )
    (core instance (;4;) (instantiate 0
        (with "cm32p2|wasi:cli/environment@0.2" (instance 1))
        (with "cm32p2|wasi:filesystem/types@0.2" (instance 2))
        (with "cm32p2|wasi:filesystem/preopens@0.2" (instance 3))
      )
    )
    (alias core export 4 "cm32p2_memory" (core memory (;0;)))
    (core module (;2;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i64 i32)))
      (type (;2;) (func))
      (import "actual" "1" (func (;0;) (type 1) (param i32 i64 i32)))
      (import "main" "cm32p2_initialize" (func (;1;) (type 2)))
      (import "shim" "$imports" (table (;0;) 3 3 funcref))
      (import "actual" "weld-refusal-memory" (memory (;0;) 0))
      (start 1)
      (elem (;0;) (i32.const 0) func 2 0 3)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
      (func (;2;) (type 0) (param i32)
        local.get 0
        i64.const 4
        i64.store align=1
      )
      (func (;3;) (type 0) (param i32)
        local.get 0
        i64.const 4
        i64.store align=1
      )
    )
    (alias core export 4 "cm32p2_realloc" (core func (;4;)))
    (alias export 0 "[method]descriptor.read-via-stream" (func (;0;)))
    (core func (;5;) (canon lower (func 0) (memory 0)))
    (core instance (;5;)
      (export "1" (func 5))
      (export "weld-refusal-memory" (memory 0))
    )
    (core instance (;6;) (instantiate 2
        (with "actual" (instance 5))
        (with "main" (instance 4))
        (with "shim" (instance 0))
      )
    )
    (type (;3;) (func (result string)))
    (alias core export 4 "cm32p2|test:s/back|work" (core func (;6;)))
    (alias core export 4 "cm32p2|test:s/back|work_post" (core func (;7;)))
    (func (;1;) (type 3) (canon lift (core func 6) (memory 0) string-encoding=utf8 (post-return 7)))
    (component (;0;)
      (type (;0;) (func (result string)))
      (import "import-func-work" (func (;0;) (type 0)))
      (type (;1;) (func (result string)))
      (export (;1;) "work" (func 0) (func (type 1)))
    )
    (instance (;1;) (instantiate 0
        (with "import-func-work" (func 1))
      )
    )
    (export (;2;) "test:s/back" (instance 1))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $back (;5;) (instantiate 1
      (with "wasi:filesystem/types@0.2.6" (instance 4))
    )
  )
  (alias export $weld-guard "weld-guard-front:cli/environment@0.2.6" (instance (;6;)))
  (alias export $weld-guard "weld-guard-front:http/outgoing-handler@0.2.6" (instance (;7;)))
  (alias export $back "test:s/back" (instance (;8;)))
  (component (;2;)
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
    (type $ty-test:s/back (;7;)
      (instance
        (type (;0;) (func (result string)))
        (export (;0;) "work" (func (type 0)))
      )
    )
    (import "test:s/back" (instance $test:s/back (;3;) (type $ty-test:s/back)))
    (core module $main (;0;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (result i32)))
      (type (;2;) (func (param i32 i32)))
      (type (;3;) (func (param i32 i32 i32 i32)))
      (type (;4;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;5;) (func))
      (import "cm32p2|wasi:cli/environment@0.2" "get-environment" (func (;0;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "[constructor]outgoing-request" (func (;1;) (type 1) (result i32)))
      (import "cm32p2|wasi:http/types@0.2" "[method]outgoing-request.authority" (func (;2;) (type 2) (param i32 i32)))
      (import "cm32p2|wasi:http/types@0.2" "[constructor]request-options" (func (;3;) (type 1) (result i32)))
      (import "cm32p2|wasi:http/types@0.2" "outgoing-request_drop" (func (;4;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "request-options_drop" (func (;5;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/types@0.2" "future-incoming-response_drop" (func (;6;) (type 0) (param i32)))
      (import "cm32p2|wasi:http/outgoing-handler@0.2" "handle" (func (;7;) (type 3) (param i32 i32 i32 i32)))
      (import "cm32p2|test:s/back" "work" (func (;8;) (type 0) (param i32)))
      (memory (;0;) 0)
      (export "cm32p2|test:s/front|run" (func 9))
      (export "cm32p2|test:s/front|run_post" (func 10))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 11))
      (export "cm32p2_initialize" (func 12))
      (func (;9;) (type 1) (result i32)
        unreachable
      )
      (func (;10;) (type 0) (param i32))
      (func (;11;) (type 4) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;12;) (type 5))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module $wit-component-shim-module (;1;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (table (;0;) 4 4 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "2" (func 2))
      (export "3" (func 3))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32)
        local.get 0
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 1) (param i32 i32)
        local.get 0
        local.get 1
        i32.const 1
        call_indirect (type 1)
      )
      (func (;2;) (type 2) (param i32 i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        i32.const 2
        call_indirect (type 2)
      )
      (func (;3;) (type 0) (param i32)
        local.get 0
        i32.const 3
        call_indirect (type 0)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
    (alias core export $wit-component-shim-instance "0" (core func $indirect-cm32p2|wasi:cli/environment@0.2-get-environment (;0;)))
    (core instance $cm32p2|wasi:cli/environment@0.2 (;1;)
      (export "get-environment" (func $indirect-cm32p2|wasi:cli/environment@0.2-get-environment))
    )
    (alias export $wasi:http/types@0.2.6 "[constructor]outgoing-request" (func $"[constructor]outgoing-request" (;0;)))
    (core func $"[constructor]outgoing-request" (;1;) (canon lower (func $"[constructor]outgoing-request")))
    (alias core export $wit-component-shim-instance "1" (core func $"indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority" (;2;)))
    (alias export $wasi:http/types@0.2.6 "[constructor]request-options" (func $"[constructor]request-options" (;1;)))
    (core func $"[constructor]request-options" (;3;) (canon lower (func $"[constructor]request-options")))
    (alias export $wasi:http/types@0.2.6 "outgoing-request" (type $"#type8 outgoing-request" (@name "outgoing-request") (;8;)))
    (core func $resource.drop (;4;) (canon resource.drop $"#type8 outgoing-request"))
    (alias export $wasi:http/types@0.2.6 "request-options" (type $"#type9 request-options" (@name "request-options") (;9;)))
    (core func $"#core-func5 resource.drop" (@name "resource.drop") (;5;) (canon resource.drop $"#type9 request-options"))
    (alias export $wasi:http/types@0.2.6 "future-incoming-response" (type $"#type10 future-incoming-response" (@name "future-incoming-response") (;10;)))
    (core func $"#core-func6 resource.drop" (@name "resource.drop") (;6;) (canon resource.drop $"#type10 future-incoming-response"))
    (core instance $cm32p2|wasi:http/types@0.2 (;2;)
      (export "[constructor]outgoing-request" (func $"[constructor]outgoing-request"))
      (export "[method]outgoing-request.authority" (func $"indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority"))
      (export "[constructor]request-options" (func $"[constructor]request-options"))
      (export "outgoing-request_drop" (func $resource.drop))
      (export "request-options_drop" (func $"#core-func5 resource.drop"))
      (export "future-incoming-response_drop" (func $"#core-func6 resource.drop"))
    )
    (alias core export $wit-component-shim-instance "2" (core func $indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle (;7;)))
    (core instance $cm32p2|wasi:http/outgoing-handler@0.2 (;3;)
      (export "handle" (func $indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle))
    )
    (alias core export $wit-component-shim-instance "3" (core func $indirect-cm32p2|test:s/back-work (;8;)))
    (core instance $cm32p2|test:s/back (;4;)
      (export "work" (func $indirect-cm32p2|test:s/back-work))
    )
    (core instance $main (;5;) (instantiate $main
        (with "cm32p2|wasi:cli/environment@0.2" (instance $cm32p2|wasi:cli/environment@0.2))
        (with "cm32p2|wasi:http/types@0.2" (instance $cm32p2|wasi:http/types@0.2))
        (with "cm32p2|wasi:http/outgoing-handler@0.2" (instance $cm32p2|wasi:http/outgoing-handler@0.2))
        (with "cm32p2|test:s/back" (instance $cm32p2|test:s/back))
      )
    )
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;2;)
      (type (;0;) (func (param i32)))
      (type (;1;) (func (param i32 i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func))
      (import "actual" "0" (func (;0;) (type 0) (param i32)))
      (import "actual" "1" (func (;1;) (type 1) (param i32 i32)))
      (import "actual" "2" (func (;2;) (type 2) (param i32 i32 i32 i32)))
      (import "actual" "3" (func (;3;) (type 0) (param i32)))
      (import "main" "cm32p2_initialize" (func (;4;) (type 3)))
      (import "shim" "$imports" (table (;0;) 4 4 funcref))
      (start 4)
      (elem (;0;) (i32.const 0) func 0 1 2 3)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (alias export $wasi:cli/environment@0.2.6 "get-environment" (func $get-environment (;2;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;9;)))
    (core func $"#core-func10 indirect-cm32p2|wasi:cli/environment@0.2-get-environment" (@name "indirect-cm32p2|wasi:cli/environment@0.2-get-environment") (;10;) (canon lower (func $get-environment) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:http/types@0.2.6 "[method]outgoing-request.authority" (func $"[method]outgoing-request.authority" (;3;)))
    (core func $"#core-func11 indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority" (@name "indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority") (;11;) (canon lower (func $"[method]outgoing-request.authority") (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $wasi:http/outgoing-handler@0.2.6 "handle" (func $handle (;4;)))
    (core func $"#core-func12 indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle" (@name "indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle") (;12;) (canon lower (func $handle) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $test:s/back "work" (func $work (;5;)))
    (core func $"#core-func13 indirect-cm32p2|test:s/back-work" (@name "indirect-cm32p2|test:s/back-work") (;13;) (canon lower (func $work) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (core instance $actual (;6;)
      (export "0" (func $"#core-func10 indirect-cm32p2|wasi:cli/environment@0.2-get-environment"))
      (export "1" (func $"#core-func11 indirect-cm32p2|wasi:http/types@0.2-[method]outgoing-request.authority"))
      (export "2" (func $"#core-func12 indirect-cm32p2|wasi:http/outgoing-handler@0.2-handle"))
      (export "3" (func $"#core-func13 indirect-cm32p2|test:s/back-work"))
    )
    (core instance $fixup (;7;) (instantiate $wit-component-fixup
        (with "actual" (instance $actual))
        (with "main" (instance $main))
        (with "shim" (instance $wit-component-shim-instance))
      )
    )
    (type (;11;) (func (result string)))
    (alias core export $main "cm32p2|test:s/front|run" (core func $cm32p2|test:s/front|run (;14;)))
    (alias core export $main "cm32p2|test:s/front|run_post" (core func $cm32p2|test:s/front|run_post (;15;)))
    (func $run (;6;) (type 11) (canon lift (core func $cm32p2|test:s/front|run) (memory $memory) string-encoding=utf8 (post-return $cm32p2|test:s/front|run_post)))
    (component $test:s/front-shim-component (;0;)
      (type (;0;) (func (result string)))
      (import "import-func-run" (func (;0;) (type 0)))
      (type (;1;) (func (result string)))
      (export (;1;) "run" (func 0) (func (type 1)))
    )
    (instance $test:s/front-shim-instance (;4;) (instantiate $test:s/front-shim-component
        (with "import-func-run" (func $run))
      )
    )
    (export $test:s/front (;5;) "test:s/front" (instance $test:s/front-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $front (;9;) (instantiate 2
      (with "test:s/back" (instance 8))
      (with "wasi:http/outgoing-handler@0.2.6" (instance 7))
      (with "wasi:cli/environment@0.2.6" (instance 6))
      (with "wasi:http/types@0.2.6" (instance 1))
    )
  )
  (alias export $front "test:s/front" (instance (;10;)))
  (export (;11;) "test:s/front" (instance 10))
  (@producers
    (processed-by "weld" "0.1.0")
  )
  (@custom "weld:grants" "{\22format\22:1,\22stages\22:{\22back\22:{},\22front\22:{\22env\22:[\22TZ\22],\22http\22:[\22api.example.com\22]}}}")
)
