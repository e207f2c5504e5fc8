package config

import (
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

// DemoCreditorID is the id of the demo creditor.
const DemoCreditorID = "loja-exemplo"

//go:embed demo.yaml
var demoYAML []byte

// DemoFile is the creditor file used when QUITA_CONFIG is not set. It is
// marked example: true, so a production start refuses it.
func DemoFile() File {
	var f File
	if err := yaml.Unmarshal(demoYAML, &f); err != nil {
		panic(fmt.Sprintf("config: the embedded demo.yaml does not parse: %v", err)) // a build defect, caught by every test
	}
	return f
}
