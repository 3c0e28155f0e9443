(component
  (component (;0;)
    (core module $main (;0;)
      (type (;0;) (func (param i32 i32 i32 i32 i32) (result i32)))
      (type (;1;) (func (param i32)))
      (type (;2;) (func (param i32 i32) (result i32)))
      (type (;3;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;4;) (func))
      (memory (;0;) 0)
      (export "cm32p2|test:text/words|split" (func 0))
      (export "cm32p2|test:text/words|split_post" (func 1))
      (export "cm32p2|test:text/words|count" (func 2))
      (export "cm32p2|test:text/words|count_post" (func 3))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 4))
      (export "cm32p2_initialize" (func 5))
      (func (;0;) (type 0) (param i32 i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;1;) (type 1) (param i32))
      (func (;2;) (type 2) (param i32 i32) (result i32)
        unreachable
      )
      (func (;3;) (type 1) (param i32))
      (func (;4;) (type 3) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;5;) (type 4))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (type (;0;) (record (field "separator" string) (field "limit" u32)))
    (core instance $main (;0;) (instantiate $main))
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;1;)
      (type (;0;) (func))
      (import "main" "cm32p2_initialize" (func (;0;) (type 0)))
      (start 0)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $fixup (;1;) (instantiate $wit-component-fixup
        (with "main" (instance $main))
      )
    )
    (type (;1;) (list string))
    (type (;2;) (func (param "input" string) (param "options" 0) (result 1)))
    (alias core export $main "cm32p2|test:text/words|split" (core func $cm32p2|test:text/words|split (;0;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;1;)))
    (alias core export $main "cm32p2|test:text/words|split_post" (core func $cm32p2|test:text/words|split_post (;2;)))
    (func $split (;0;) (type 2) (canon lift (core func $cm32p2|test:text/words|split) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/words|split_post)))
    (type (;3;) (func (param "words" 1) (result u32)))
    (alias core export $main "cm32p2|test:text/words|count" (core func $cm32p2|test:text/words|count (;3;)))
    (alias core export $main "cm32p2|test:text/words|count_post" (core func $cm32p2|test:text/words|count_post (;4;)))
    (func $count (;1;) (type 3) (canon lift (core func $cm32p2|test:text/words|count) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/words|count_post)))
    (component $test:text/words-shim-component (;0;)
      (type (;0;) (record (field "separator" string) (field "limit" u32)))
      (import "import-type-options" (type (;1;) (eq 0)))
      (type (;2;) (list string))
      (type (;3;) (func (param "input" string) (param "options" 1) (result 2)))
      (import "import-func-split" (func (;0;) (type 3)))
      (type (;4;) (func (param "words" 2) (result u32)))
      (import "import-func-count" (func (;1;) (type 4)))
      (type (;5;) (record (field "separator" string) (field "limit" u32)))
      (export (;6;) "options" (type 5))
      (type (;7;) (list string))
      (type (;8;) (func (param "input" string) (param "options" 6) (result 7)))
      (export (;2;) "split" (func 0) (func (type 8)))
      (type (;9;) (func (param "words" 7) (result u32)))
      (export (;3;) "count" (func 1) (func (type 9)))
    )
    (instance $test:text/words-shim-instance (;0;) (instantiate $test:text/words-shim-component
        (with "import-func-split" (func $split))
        (with "import-func-count" (func $count))
        (with "import-type-options" (type 0))
      )
    )
    (export $test:text/words (;1;) "test:text/words" (instance $test:text/words-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $words (;0;) (instantiate 0))
  (component (;1;)
    (core module $main (;0;)
      (type (;0;) (func (param i32 i32 i32) (result i32)))
      (type (;1;) (func (param i32)))
      (type (;2;) (func (param i32) (result i32)))
      (type (;3;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;4;) (func))
      (memory (;0;) 0)
      (export "cm32p2|test:text/format|join" (func 0))
      (export "cm32p2|test:text/format|join_post" (func 1))
      (export "cm32p2|test:text/format|describe" (func 2))
      (export "cm32p2|test:text/format|describe_post" (func 3))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 4))
      (export "cm32p2_initialize" (func 5))
      (func (;0;) (type 0) (param i32 i32 i32) (result i32)
        unreachable
      )
      (func (;1;) (type 1) (param i32))
      (func (;2;) (type 2) (param i32) (result i32)
        unreachable
      )
      (func (;3;) (type 1) (param i32))
      (func (;4;) (type 3) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;5;) (type 4))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (type (;0;) (enum "upper" "lower"))
    (core instance $main (;0;) (instantiate $main))
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;1;)
      (type (;0;) (func))
      (import "main" "cm32p2_initialize" (func (;0;) (type 0)))
      (start 0)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $fixup (;1;) (instantiate $wit-component-fixup
        (with "main" (instance $main))
      )
    )
    (type (;1;) (list string))
    (type (;2;) (result string (error string)))
    (type (;3;) (func (param "words" 1) (param "letter-case" 0) (result 2)))
    (alias core export $main "cm32p2|test:text/format|join" (core func $cm32p2|test:text/format|join (;0;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;1;)))
    (alias core export $main "cm32p2|test:text/format|join_post" (core func $cm32p2|test:text/format|join_post (;2;)))
    (func $join (;0;) (type 3) (canon lift (core func $cm32p2|test:text/format|join) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/format|join_post)))
    (type (;4;) (option string))
    (type (;5;) (func (param "n" u32) (result 4)))
    (alias core export $main "cm32p2|test:text/format|describe" (core func $cm32p2|test:text/format|describe (;3;)))
    (alias core export $main "cm32p2|test:text/format|describe_post" (core func $cm32p2|test:text/format|describe_post (;4;)))
    (func $describe (;1;) (type 5) (canon lift (core func $cm32p2|test:text/format|describe) (memory $memory) string-encoding=utf8 (post-return $cm32p2|test:text/format|describe_post)))
    (component $test:text/format-shim-component (;0;)
      (type (;0;) (list string))
      (type (;1;) (enum "upper" "lower"))
      (import "import-type-letter-case" (type (;2;) (eq 1)))
      (type (;3;) (result string (error string)))
      (type (;4;) (func (param "words" 0) (param "letter-case" 2) (result 3)))
      (import "import-func-join" (func (;0;) (type 4)))
      (type (;5;) (option string))
      (type (;6;) (func (param "n" u32) (result 5)))
      (import "import-func-describe" (func (;1;) (type 6)))
      (type (;7;) (enum "upper" "lower"))
      (export (;8;) "letter-case" (type 7))
      (type (;9;) (list string))
      (type (;10;) (result string (error string)))
      (type (;11;) (func (param "words" 9) (param "letter-case" 8) (result 10)))
      (export (;2;) "join" (func 0) (func (type 11)))
      (type (;12;) (option string))
      (type (;13;) (func (param "n" u32) (result 12)))
      (export (;3;) "describe" (func 1) (func (type 13)))
    )
    (instance $test:text/format-shim-instance (;0;) (instantiate $test:text/format-shim-component
        (with "import-func-join" (func $join))
        (with "import-func-describe" (func $describe))
        (with "import-type-letter-case" (type 0))
      )
    )
    (export $test:text/format (;1;) "test:text/format" (instance $test:text/format-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $format (;1;) (instantiate 1))
  (alias export $words "test:text/words" (instance (;2;)))
  (component (;2;)
    (type $ty-test:text/words (;0;)
      (instance
        (type (;0;) (record (field "separator" string) (field "limit" u32)))
        (export (;1;) "options" (type (eq 0)))
        (type (;2;) (list string))
        (type (;3;) (func (param "input" string) (param "options" 1) (result 2)))
        (export (;0;) "split" (func (type 3)))
        (type (;4;) (func (param "words" 2) (result u32)))
        (export (;1;) "count" (func (type 4)))
      )
    )
    (import "test:text/words" (instance $test:text/words (;0;) (type $ty-test:text/words)))
    (core module $main (;0;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32) (result i32)))
      (type (;2;) (func (param i32)))
      (type (;3;) (func (param i32 i32 i32 i32 i32) (result i32)))
      (type (;4;) (func (result i32)))
      (type (;5;) (func (param i32 i32 i32 i32) (result i32)))
      (type (;6;) (func))
      (import "cm32p2|test:text/words" "split" (func (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)))
      (import "cm32p2|test:text/words" "count" (func (;1;) (type 1) (param i32 i32) (result i32)))
      (memory (;0;) 0)
      (export "cm32p2|test:text/api|title" (func 2))
      (export "cm32p2|test:text/api|title_post" (func 3))
      (export "cm32p2|test:text/api|safe-title" (func 4))
      (export "cm32p2|test:text/api|safe-title_post" (func 5))
      (export "cm32p2|test:text/api|strict-title" (func 6))
      (export "cm32p2|test:text/api|strict-title_post" (func 7))
      (export "cm32p2|test:text/api|counted" (func 8))
      (export "cm32p2|test:text/api|counted_post" (func 9))
      (export "cm32p2|test:text/api|size" (func 10))
      (export "cm32p2|test:text/api|size_post" (func 11))
      (export "cm32p2|test:text/api|hello" (func 12))
      (export "cm32p2|test:text/api|hello_post" (func 13))
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func 14))
      (export "cm32p2_initialize" (func 15))
      (func (;2;) (type 1) (param i32 i32) (result i32)
        unreachable
      )
      (func (;3;) (type 2) (param i32))
      (func (;4;) (type 1) (param i32 i32) (result i32)
        unreachable
      )
      (func (;5;) (type 2) (param i32))
      (func (;6;) (type 1) (param i32 i32) (result i32)
        unreachable
      )
      (func (;7;) (type 2) (param i32))
      (func (;8;) (type 3) (param i32 i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;9;) (type 2) (param i32))
      (func (;10;) (type 1) (param i32 i32) (result i32)
        unreachable
      )
      (func (;11;) (type 2) (param i32))
      (func (;12;) (type 4) (result i32)
        unreachable
      )
      (func (;13;) (type 2) (param i32))
      (func (;14;) (type 5) (param i32 i32 i32 i32) (result i32)
        unreachable
      )
      (func (;15;) (type 6))
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module $wit-component-shim-module (;1;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32) (result i32)))
      (table (;0;) 2 2 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        local.get 5
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 1) (param i32 i32) (result i32)
        local.get 0
        local.get 1
        i32.const 1
        call_indirect (type 1)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
    (alias export $test:text/words "options" (type $options (;1;)))
    (alias core export $wit-component-shim-instance "0" (core func $indirect-cm32p2|test:text/words-split (;0;)))
    (alias core export $wit-component-shim-instance "1" (core func $indirect-cm32p2|test:text/words-count (;1;)))
    (core instance $cm32p2|test:text/words (;1;)
      (export "split" (func $indirect-cm32p2|test:text/words-split))
      (export "count" (func $indirect-cm32p2|test:text/words-count))
    )
    (core instance $main (;2;) (instantiate $main
        (with "cm32p2|test:text/words" (instance $cm32p2|test:text/words))
      )
    )
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;2;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32) (result i32)))
      (type (;2;) (func))
      (import "actual" "0" (func (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)))
      (import "actual" "1" (func (;1;) (type 1) (param i32 i32) (result i32)))
      (import "main" "cm32p2_initialize" (func (;2;) (type 2)))
      (import "shim" "$imports" (table (;0;) 2 2 funcref))
      (start 2)
      (elem (;0;) (i32.const 0) func 0 1)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (alias export $test:text/words "split" (func $split (;0;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;2;)))
    (core func $"#core-func3 indirect-cm32p2|test:text/words-split" (@name "indirect-cm32p2|test:text/words-split") (;3;) (canon lower (func $split) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $test:text/words "count" (func $count (;1;)))
    (core func $"#core-func4 indirect-cm32p2|test:text/words-count" (@name "indirect-cm32p2|test:text/words-count") (;4;) (canon lower (func $count) (memory $memory) string-encoding=utf8))
    (core instance $actual (;3;)
      (export "0" (func $"#core-func3 indirect-cm32p2|test:text/words-split"))
      (export "1" (func $"#core-func4 indirect-cm32p2|test:text/words-count"))
    )
    (core instance $fixup (;4;) (instantiate $wit-component-fixup
        (with "actual" (instance $actual))
        (with "main" (instance $main))
        (with "shim" (instance $wit-component-shim-instance))
      )
    )
    (type (;2;) (result string (error string)))
    (type (;3;) (func (param "input" string) (result 2)))
    (alias core export $main "cm32p2|test:text/api|title" (core func $cm32p2|test:text/api|title (;5;)))
    (alias core export $main "cm32p2|test:text/api|title_post" (core func $cm32p2|test:text/api|title_post (;6;)))
    (func $title (;2;) (type 3) (canon lift (core func $cm32p2|test:text/api|title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|title_post)))
    (type (;4;) (func (param "input" string) (result string)))
    (alias core export $main "cm32p2|test:text/api|safe-title" (core func $cm32p2|test:text/api|safe-title (;7;)))
    (alias core export $main "cm32p2|test:text/api|safe-title_post" (core func $cm32p2|test:text/api|safe-title_post (;8;)))
    (func $safe-title (;3;) (type 4) (canon lift (core func $cm32p2|test:text/api|safe-title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|safe-title_post)))
    (alias core export $main "cm32p2|test:text/api|strict-title" (core func $cm32p2|test:text/api|strict-title (;9;)))
    (alias core export $main "cm32p2|test:text/api|strict-title_post" (core func $cm32p2|test:text/api|strict-title_post (;10;)))
    (func $strict-title (;4;) (type 4) (canon lift (core func $cm32p2|test:text/api|strict-title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|strict-title_post)))
    (type (;5;) (option string))
    (type (;6;) (func (param "input" string) (param "options" $options) (result 5)))
    (alias core export $main "cm32p2|test:text/api|counted" (core func $cm32p2|test:text/api|counted (;11;)))
    (alias core export $main "cm32p2|test:text/api|counted_post" (core func $cm32p2|test:text/api|counted_post (;12;)))
    (func $counted (;5;) (type 6) (canon lift (core func $cm32p2|test:text/api|counted) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|counted_post)))
    (type (;7;) (result u32 (error string)))
    (type (;8;) (func (param "input" string) (result 7)))
    (alias core export $main "cm32p2|test:text/api|size" (core func $cm32p2|test:text/api|size (;13;)))
    (alias core export $main "cm32p2|test:text/api|size_post" (core func $cm32p2|test:text/api|size_post (;14;)))
    (func $size (;6;) (type 8) (canon lift (core func $cm32p2|test:text/api|size) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|size_post)))
    (type (;9;) (func (result string)))
    (alias core export $main "cm32p2|test:text/api|hello" (core func $cm32p2|test:text/api|hello (;15;)))
    (alias core export $main "cm32p2|test:text/api|hello_post" (core func $cm32p2|test:text/api|hello_post (;16;)))
    (func $hello (;7;) (type 9) (canon lift (core func $cm32p2|test:text/api|hello) (memory $memory) string-encoding=utf8 (post-return $cm32p2|test:text/api|hello_post)))
    (component $test:text/api-shim-component (;0;)
      (type (;0;) (record (field "separator" string) (field "limit" u32)))
      (import "import-type-options" (type (;1;) (eq 0)))
      (type (;2;) (result string (error string)))
      (type (;3;) (func (param "input" string) (result 2)))
      (import "import-func-title" (func (;0;) (type 3)))
      (type (;4;) (func (param "input" string) (result string)))
      (import "import-func-safe-title" (func (;1;) (type 4)))
      (import "import-func-strict-title" (func (;2;) (type 4)))
      (import "import-type-options0" (type (;5;) (eq 1)))
      (type (;6;) (option string))
      (type (;7;) (func (param "input" string) (param "options" 5) (result 6)))
      (import "import-func-counted" (func (;3;) (type 7)))
      (type (;8;) (result u32 (error string)))
      (type (;9;) (func (param "input" string) (result 8)))
      (import "import-func-size" (func (;4;) (type 9)))
      (type (;10;) (func (result string)))
      (import "import-func-hello" (func (;5;) (type 10)))
      (export (;11;) "options" (type 1))
      (type (;12;) (result string (error string)))
      (type (;13;) (func (param "input" string) (result 12)))
      (export (;6;) "title" (func 0) (func (type 13)))
      (type (;14;) (func (param "input" string) (result string)))
      (export (;7;) "safe-title" (func 1) (func (type 14)))
      (export (;8;) "strict-title" (func 2) (func (type 14)))
      (type (;15;) (option string))
      (type (;16;) (func (param "input" string) (param "options" 11) (result 15)))
      (export (;9;) "counted" (func 3) (func (type 16)))
      (type (;17;) (result u32 (error string)))
      (type (;18;) (func (param "input" string) (result 17)))
      (export (;10;) "size" (func 4) (func (type 18)))
      (type (;19;) (func (result string)))
      (export (;11;) "hello" (func 5) (func (type 19)))
    )
    (instance $test:text/api-shim-instance (;1;) (instantiate $test:text/api-shim-component
        (with "import-func-title" (func $title))
        (with "import-func-safe-title" (func $safe-title))
        (with "import-func-strict-title" (func $strict-title))
        (with "import-func-counted" (func $counted))
        (with "import-func-size" (func $size))
        (with "import-func-hello" (func $hello))
        (with "import-type-options" (type $options))
        (with "import-type-options0" (type $options))
      )
    )
    (export $test:text/api (;2;) "test:text/api" (instance $test:text/api-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $api (;3;) (instantiate 2
      (with "test:text/words" (instance 2))
    )
  )
  (alias export $format "test:text/format" (instance (;4;)))
  (alias export $api "test:text/api" (instance (;5;)))
  (component (;3;)
    (type $ty-test:text/words (;0;)
      (instance
        (type (;0;) (record (field "separator" string) (field "limit" u32)))
        (export (;1;) "options" (type (eq 0)))
        (type (;2;) (list string))
        (type (;3;) (func (param "input" string) (param "options" 1) (result 2)))
        (export (;0;) "split" (func (type 3)))
        (type (;4;) (func (param "words" 2) (result u32)))
        (export (;1;) "count" (func (type 4)))
      )
    )
    (import "test:text/words" (instance $test:text/words (;0;) (type $ty-test:text/words)))
    (type $ty-test:text/format (;1;)
      (instance
        (type (;0;) (enum "upper" "lower"))
        (export (;1;) "letter-case" (type (eq 0)))
        (type (;2;) (list string))
        (type (;3;) (result string (error string)))
        (type (;4;) (func (param "words" 2) (param "letter-case" 1) (result 3)))
        (export (;0;) "join" (func (type 4)))
        (type (;5;) (option string))
        (type (;6;) (func (param "n" u32) (result 5)))
        (export (;1;) "describe" (func (type 6)))
      )
    )
    (import "test:text/format" (instance $test:text/format (;1;) (type $ty-test:text/format)))
    (type $ty-test:text/api (;2;)
      (instance
        (type (;0;) (func (result string)))
        (export (;0;) "hello" (func (type 0)))
      )
    )
    (import "test:text/api" (instance $test:text/api (;2;) (type $ty-test:text/api)))
    (core module $main (;0;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32 i32 i32)))
      (type (;2;) (func (param i32 i32) (result i32)))
      (type (;3;) (func (param i32 i32)))
      (type (;4;) (func (param i32)))
      (type (;5;) (func (param i32 i32 i32 i32 i32) (result i32)))
      (type (;6;) (func (result i32)))
      (type (;7;) (func))
      (type (;8;) (func (param i32 i32 i32 i32) (result i32)))
      (import "cm32p2|test:text/words" "split" (func $cm32p2|test:text/words.split (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)))
      (import "cm32p2|test:text/format" "join" (func $cm32p2|test:text/format.join (;1;) (type 1) (param i32 i32 i32 i32)))
      (import "cm32p2|test:text/words" "count" (func $cm32p2|test:text/words.count (;2;) (type 2) (param i32 i32) (result i32)))
      (import "cm32p2|test:text/format" "describe" (func $cm32p2|test:text/format.describe (;3;) (type 3) (param i32 i32)))
      (import "cm32p2|test:text/api" "hello" (func $cm32p2|test:text/api.hello (;4;) (type 4) (param i32)))
      (memory (;0;) 1)
      (global (;0;) (mut i32) i32.const 32)
      (export "cm32p2_memory" (memory 0))
      (export "cm32p2_realloc" (func $"weld-flows realloc"))
      (export "cm32p2|test:text/api|title" (func $"weld-flows flow test:text/api.title"))
      (export "cm32p2|test:text/api|safe-title" (func $"weld-flows flow test:text/api.safe-title"))
      (export "cm32p2|test:text/api|strict-title" (func $"weld-flows flow test:text/api.strict-title"))
      (export "cm32p2|test:text/api|counted" (func $"weld-flows flow test:text/api.counted"))
      (export "cm32p2|test:text/api|size" (func $"weld-flows flow test:text/api.size"))
      (export "cm32p2|test:text/api|hello" (func $"weld-flows forward test:text/api.hello"))
      (export "cm32p2|test:text/api|title_post" (func $"weld-flows post-return test:text/api.title"))
      (export "cm32p2|test:text/api|safe-title_post" (func $"weld-flows post-return test:text/api.safe-title"))
      (export "cm32p2|test:text/api|strict-title_post" (func $"weld-flows post-return test:text/api.strict-title"))
      (export "cm32p2|test:text/api|counted_post" (func $"weld-flows post-return test:text/api.counted"))
      (export "cm32p2|test:text/api|size_post" (func $"weld-flows post-return test:text/api.size"))
      (export "cm32p2|test:text/api|hello_post" (func $"weld-flows post-return test:text/api.hello"))
      (func $"weld-flows realloc" (;5;) (type 8) (param i32 i32 i32 i32) (result i32)
        (local i32)
        global.get 0
        local.get 2
        i32.add
        i32.const 1
        i32.sub
        i32.const 0
        local.get 2
        i32.sub
        i32.and
        local.tee 4
        local.get 3
        i32.add
        global.set 0
        global.get 0
        memory.size
        i32.const 16
        i32.shl
        i32.gt_u
        if ;; label = @1
          global.get 0
          memory.size
          i32.const 16
          i32.shl
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
        local.get 0
        if ;; label = @1
          local.get 4
          local.get 0
          local.get 1
          local.get 3
          local.get 1
          local.get 3
          i32.lt_u
          select
          memory.copy
        end
        local.get 4
      )
      (func $"weld-flows flow test:text/api.title" (;6;) (type 2) (param i32 i32) (result i32)
        (local i32 i32 i32 i32 i32 i32)
        i32.const 16
        local.set 2
        i32.const 1
        local.set 3
        i32.const 10
        local.set 4
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 5
        local.get 5
        call $cm32p2|test:text/words.split
        i32.const 0
        local.set 6
        local.get 5
        i32.load
        local.get 5
        i32.load offset=4
        local.get 6
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 12
        call $"weld-flows realloc"
        local.set 7
        local.get 7
        call $cm32p2|test:text/format.join
        local.get 7
      )
      (func $"weld-flows flow test:text/api.safe-title" (;7;) (type 2) (param i32 i32) (result i32)
        (local i32 i32 i32 i32 i32 i32)
        i32.const 17
        local.set 2
        i32.const 1
        local.set 3
        i32.const 10
        local.set 4
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 5
        local.get 5
        call $cm32p2|test:text/words.split
        i32.const 0
        local.set 6
        local.get 5
        i32.load
        local.get 5
        i32.load offset=4
        local.get 6
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 12
        call $"weld-flows realloc"
        local.set 7
        local.get 7
        call $cm32p2|test:text/format.join
        local.get 7
        i32.load8_u
        if ;; label = @1
          i32.const 20
          return
        end
        local.get 7
        i32.const 4
        i32.add
      )
      (func $"weld-flows flow test:text/api.strict-title" (;8;) (type 2) (param i32 i32) (result i32)
        (local i32 i32 i32 i32 i32 i32)
        i32.const 28
        local.set 2
        i32.const 1
        local.set 3
        i32.const 10
        local.set 4
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 5
        local.get 5
        call $cm32p2|test:text/words.split
        i32.const 1
        local.set 6
        local.get 5
        i32.load
        local.get 5
        i32.load offset=4
        local.get 6
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 12
        call $"weld-flows realloc"
        local.set 7
        local.get 7
        call $cm32p2|test:text/format.join
        local.get 7
        i32.load8_u
        if ;; label = @1
          call $"weld-flows error: `format.join` failed, and the flow `test:text/api.strict-title` cannot return its error (give the flow `on-error:`)"
          unreachable
        end
        local.get 7
        i32.const 4
        i32.add
      )
      (func $"weld-flows flow test:text/api.counted" (;9;) (type 5) (param i32 i32 i32 i32 i32) (result i32)
        (local i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 5
        local.get 5
        call $cm32p2|test:text/words.split
        local.get 5
        i32.load
        local.get 5
        i32.load offset=4
        call $cm32p2|test:text/words.count
        local.set 6
        local.get 6
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 12
        call $"weld-flows realloc"
        local.set 7
        local.get 7
        call $cm32p2|test:text/format.describe
        local.get 7
      )
      (func $"weld-flows flow test:text/api.size" (;10;) (type 2) (param i32 i32) (result i32)
        (local i32 i32 i32 i32 i32 i32)
        i32.const 29
        local.set 2
        i32.const 1
        local.set 3
        i32.const 100
        local.set 4
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 5
        local.get 5
        call $cm32p2|test:text/words.split
        local.get 5
        i32.load
        local.get 5
        i32.load offset=4
        call $cm32p2|test:text/words.count
        local.set 6
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 12
        call $"weld-flows realloc"
        local.set 7
        local.get 7
        i32.const 0
        i32.store8
        local.get 7
        local.get 6
        i32.store offset=4
        local.get 7
      )
      (func $"weld-flows forward test:text/api.hello" (;11;) (type 6) (result i32)
        (local i32)
        i32.const 0
        i32.const 0
        i32.const 4
        i32.const 8
        call $"weld-flows realloc"
        local.set 0
        local.get 0
        call $cm32p2|test:text/api.hello
        local.get 0
      )
      (func $"weld-flows post-return test:text/api.title" (;12;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows post-return test:text/api.safe-title" (;13;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows post-return test:text/api.strict-title" (;14;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows post-return test:text/api.counted" (;15;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows post-return test:text/api.size" (;16;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows post-return test:text/api.hello" (;17;) (type 4) (param i32)
        i32.const 32
        global.set 0
      )
      (func $"weld-flows error: `format.join` failed, and the flow `test:text/api.strict-title` cannot return its error (give the flow `on-error:`)" (;18;) (type 7)
        unreachable
      )
      (data (;0;) (i32.const 16) "  -\00\12\00\00\00\01\00\00\00 ,")
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core module $wit-component-shim-module (;1;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32) (result i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func (param i32 i32)))
      (type (;4;) (func (param i32)))
      (table (;0;) 5 5 funcref)
      (export "0" (func 0))
      (export "1" (func 1))
      (export "2" (func 2))
      (export "3" (func 3))
      (export "4" (func 4))
      (export "$imports" (table 0))
      (func (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)
        local.get 0
        local.get 1
        local.get 2
        local.get 3
        local.get 4
        local.get 5
        i32.const 0
        call_indirect (type 0)
      )
      (func (;1;) (type 1) (param i32 i32) (result i32)
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
      (func (;3;) (type 3) (param i32 i32)
        local.get 0
        local.get 1
        i32.const 3
        call_indirect (type 3)
      )
      (func (;4;) (type 4) (param i32)
        local.get 0
        i32.const 4
        call_indirect (type 4)
      )
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
    (alias export $test:text/words "options" (type $options (;3;)))
    (alias core export $wit-component-shim-instance "0" (core func $indirect-cm32p2|test:text/words-split (;0;)))
    (alias core export $wit-component-shim-instance "1" (core func $indirect-cm32p2|test:text/words-count (;1;)))
    (core instance $cm32p2|test:text/words (;1;)
      (export "split" (func $indirect-cm32p2|test:text/words-split))
      (export "count" (func $indirect-cm32p2|test:text/words-count))
    )
    (alias core export $wit-component-shim-instance "2" (core func $indirect-cm32p2|test:text/format-join (;2;)))
    (alias core export $wit-component-shim-instance "3" (core func $indirect-cm32p2|test:text/format-describe (;3;)))
    (core instance $cm32p2|test:text/format (;2;)
      (export "join" (func $indirect-cm32p2|test:text/format-join))
      (export "describe" (func $indirect-cm32p2|test:text/format-describe))
    )
    (alias core export $wit-component-shim-instance "4" (core func $indirect-cm32p2|test:text/api-hello (;4;)))
    (core instance $cm32p2|test:text/api (;3;)
      (export "hello" (func $indirect-cm32p2|test:text/api-hello))
    )
    (core instance $main (;4;) (instantiate $main
        (with "cm32p2|test:text/words" (instance $cm32p2|test:text/words))
        (with "cm32p2|test:text/format" (instance $cm32p2|test:text/format))
        (with "cm32p2|test:text/api" (instance $cm32p2|test:text/api))
      )
    )
    (alias core export $main "cm32p2_memory" (core memory $memory (;0;)))
    (core module $wit-component-fixup (;2;)
      (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
      (type (;1;) (func (param i32 i32) (result i32)))
      (type (;2;) (func (param i32 i32 i32 i32)))
      (type (;3;) (func (param i32 i32)))
      (type (;4;) (func (param i32)))
      (import "actual" "0" (func (;0;) (type 0) (param i32 i32 i32 i32 i32 i32)))
      (import "actual" "1" (func (;1;) (type 1) (param i32 i32) (result i32)))
      (import "actual" "2" (func (;2;) (type 2) (param i32 i32 i32 i32)))
      (import "actual" "3" (func (;3;) (type 3) (param i32 i32)))
      (import "actual" "4" (func (;4;) (type 4) (param i32)))
      (import "shim" "$imports" (table (;0;) 5 5 funcref))
      (elem (;0;) (i32.const 0) func 0 1 2 3 4)
      (@producers
        (processed-by "wit-component" "0.262.0")
      )
    )
    (alias export $test:text/words "split" (func $split (;0;)))
    (alias core export $main "cm32p2_realloc" (core func $cm32p2_realloc (;5;)))
    (core func $"#core-func6 indirect-cm32p2|test:text/words-split" (@name "indirect-cm32p2|test:text/words-split") (;6;) (canon lower (func $split) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $test:text/words "count" (func $count (;1;)))
    (core func $"#core-func7 indirect-cm32p2|test:text/words-count" (@name "indirect-cm32p2|test:text/words-count") (;7;) (canon lower (func $count) (memory $memory) string-encoding=utf8))
    (alias export $test:text/format "join" (func $join (;2;)))
    (core func $"#core-func8 indirect-cm32p2|test:text/format-join" (@name "indirect-cm32p2|test:text/format-join") (;8;) (canon lower (func $join) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $test:text/format "describe" (func $describe (;3;)))
    (core func $"#core-func9 indirect-cm32p2|test:text/format-describe" (@name "indirect-cm32p2|test:text/format-describe") (;9;) (canon lower (func $describe) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (alias export $test:text/api "hello" (func $hello (;4;)))
    (core func $"#core-func10 indirect-cm32p2|test:text/api-hello" (@name "indirect-cm32p2|test:text/api-hello") (;10;) (canon lower (func $hello) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8))
    (core instance $actual (;5;)
      (export "0" (func $"#core-func6 indirect-cm32p2|test:text/words-split"))
      (export "1" (func $"#core-func7 indirect-cm32p2|test:text/words-count"))
      (export "2" (func $"#core-func8 indirect-cm32p2|test:text/format-join"))
      (export "3" (func $"#core-func9 indirect-cm32p2|test:text/format-describe"))
      (export "4" (func $"#core-func10 indirect-cm32p2|test:text/api-hello"))
    )
    (core instance $fixup (;6;) (instantiate $wit-component-fixup
        (with "actual" (instance $actual))
        (with "shim" (instance $wit-component-shim-instance))
      )
    )
    (type (;4;) (result string (error string)))
    (type (;5;) (func (param "input" string) (result 4)))
    (alias core export $main "cm32p2|test:text/api|title" (core func $cm32p2|test:text/api|title (;11;)))
    (alias core export $main "cm32p2|test:text/api|title_post" (core func $cm32p2|test:text/api|title_post (;12;)))
    (func $title (;5;) (type 5) (canon lift (core func $cm32p2|test:text/api|title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|title_post)))
    (type (;6;) (func (param "input" string) (result string)))
    (alias core export $main "cm32p2|test:text/api|safe-title" (core func $cm32p2|test:text/api|safe-title (;13;)))
    (alias core export $main "cm32p2|test:text/api|safe-title_post" (core func $cm32p2|test:text/api|safe-title_post (;14;)))
    (func $safe-title (;6;) (type 6) (canon lift (core func $cm32p2|test:text/api|safe-title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|safe-title_post)))
    (alias core export $main "cm32p2|test:text/api|strict-title" (core func $cm32p2|test:text/api|strict-title (;15;)))
    (alias core export $main "cm32p2|test:text/api|strict-title_post" (core func $cm32p2|test:text/api|strict-title_post (;16;)))
    (func $strict-title (;7;) (type 6) (canon lift (core func $cm32p2|test:text/api|strict-title) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|strict-title_post)))
    (type (;7;) (option string))
    (type (;8;) (func (param "input" string) (param "options" $options) (result 7)))
    (alias core export $main "cm32p2|test:text/api|counted" (core func $cm32p2|test:text/api|counted (;17;)))
    (alias core export $main "cm32p2|test:text/api|counted_post" (core func $cm32p2|test:text/api|counted_post (;18;)))
    (func $counted (;8;) (type 8) (canon lift (core func $cm32p2|test:text/api|counted) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|counted_post)))
    (type (;9;) (result u32 (error string)))
    (type (;10;) (func (param "input" string) (result 9)))
    (alias core export $main "cm32p2|test:text/api|size" (core func $cm32p2|test:text/api|size (;19;)))
    (alias core export $main "cm32p2|test:text/api|size_post" (core func $cm32p2|test:text/api|size_post (;20;)))
    (func $size (;9;) (type 10) (canon lift (core func $cm32p2|test:text/api|size) (memory $memory) (realloc $cm32p2_realloc) string-encoding=utf8 (post-return $cm32p2|test:text/api|size_post)))
    (type (;11;) (func (result string)))
    (alias core export $main "cm32p2|test:text/api|hello" (core func $cm32p2|test:text/api|hello (;21;)))
    (alias core export $main "cm32p2|test:text/api|hello_post" (core func $cm32p2|test:text/api|hello_post (;22;)))
    (func $"#func10 hello" (@name "hello") (;10;) (type 11) (canon lift (core func $cm32p2|test:text/api|hello) (memory $memory) string-encoding=utf8 (post-return $cm32p2|test:text/api|hello_post)))
    (component $test:text/api-shim-component (;0;)
      (type (;0;) (record (field "separator" string) (field "limit" u32)))
      (import "import-type-options" (type (;1;) (eq 0)))
      (type (;2;) (result string (error string)))
      (type (;3;) (func (param "input" string) (result 2)))
      (import "import-func-title" (func (;0;) (type 3)))
      (type (;4;) (func (param "input" string) (result string)))
      (import "import-func-safe-title" (func (;1;) (type 4)))
      (import "import-func-strict-title" (func (;2;) (type 4)))
      (import "import-type-options0" (type (;5;) (eq 1)))
      (type (;6;) (option string))
      (type (;7;) (func (param "input" string) (param "options" 5) (result 6)))
      (import "import-func-counted" (func (;3;) (type 7)))
      (type (;8;) (result u32 (error string)))
      (type (;9;) (func (param "input" string) (result 8)))
      (import "import-func-size" (func (;4;) (type 9)))
      (type (;10;) (func (result string)))
      (import "import-func-hello" (func (;5;) (type 10)))
      (export (;11;) "options" (type 1))
      (type (;12;) (result string (error string)))
      (type (;13;) (func (param "input" string) (result 12)))
      (export (;6;) "title" (func 0) (func (type 13)))
      (type (;14;) (func (param "input" string) (result string)))
      (export (;7;) "safe-title" (func 1) (func (type 14)))
      (export (;8;) "strict-title" (func 2) (func (type 14)))
      (type (;15;) (option string))
      (type (;16;) (func (param "input" string) (param "options" 11) (result 15)))
      (export (;9;) "counted" (func 3) (func (type 16)))
      (type (;17;) (result u32 (error string)))
      (type (;18;) (func (param "input" string) (result 17)))
      (export (;10;) "size" (func 4) (func (type 18)))
      (type (;19;) (func (result string)))
      (export (;11;) "hello" (func 5) (func (type 19)))
    )
    (instance $test:text/api-shim-instance (;3;) (instantiate $test:text/api-shim-component
        (with "import-func-title" (func $title))
        (with "import-func-safe-title" (func $safe-title))
        (with "import-func-strict-title" (func $strict-title))
        (with "import-func-counted" (func $counted))
        (with "import-func-size" (func $size))
        (with "import-func-hello" (func $"#func10 hello"))
        (with "import-type-options" (type $options))
        (with "import-type-options0" (type $options))
      )
    )
    (export $"#instance4 test:text/api" (@name "test:text/api") (;4;) "test:text/api" (instance $test:text/api-shim-instance))
    (@producers
      (processed-by "wit-component" "0.262.0")
    )
  )
  (instance $weld-flows (;6;) (instantiate 3
      (with "test:text/api" (instance 5))
      (with "test:text/format" (instance 4))
      (with "test:text/words" (instance 2))
    )
  )
  (alias export $weld-flows "test:text/api" (instance (;7;)))
  (export (;8;) "test:text/api" (instance 7))
  (export (;9;) "test:text/words" (instance 2))
  (@producers
    (processed-by "weld" "0.1.0")
  )
  (@custom "weld:grants" "{\22format\22:1,\22stages\22:{\22api\22:{},\22format\22:{},\22weld-flows\22:{\22stateless\22:true},\22words\22:{}}}")
)
