// Command workshop-kernel runs a Jupyter kernel so that nothing it starts
// outlives it (see package kernelguard); started as "gopls", it is the gopls
// wrapper that dies with the kernel.
//
//	workshop-kernel gonb --kernel {connection_file} ...
package main

import (
	"fmt"
	"os"

	"github.com/go-async-workshop/workshop/deploy/jupyter/kernelguard"
)

func main() {
	if kernelguard.IsGopls(os.Args[0]) {
		err := kernelguard.Gopls(os.Args)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	status, err := kernelguard.Run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "workshop-kernel:", err)
	}
	os.Exit(status)
}
