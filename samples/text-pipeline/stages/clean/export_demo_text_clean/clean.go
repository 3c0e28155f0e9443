// Package export_demo_text_clean implements `demo:text/clean`, the Go stage of the text
// pipeline. Weld generates the bindings around it (wit_exports.go) when it builds.
package export_demo_text_clean

import "strings"

// Normalize trims input and collapses every run of whitespace into one space.
func Normalize(input string) string {
	return strings.Join(strings.Fields(input), " ")
}

// Words returns the whitespace-separated words of input, in order.
func Words(input string) []string {
	words := strings.Fields(input)
	if words == nil {
		return []string{}
	}
	return words
}
