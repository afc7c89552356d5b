//go:build !linux

package kernelguard

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Run starts the kernel, passes on its signals and returns its exit status.
// Only Linux lets a process adopt and kill what the kernel leaves behind.
func Run(argv []string) (int, error) {
	if len(argv) == 0 {
		return 2, fmt.Errorf("usage: workshop-kernel PROGRAM [ARGUMENTS...]")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	env, note := KernelEnv(os.Environ())
	if note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	cmd.Env = env
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 127, err
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// Gopls runs the real gopls in place of this process.
func Gopls(argv []string) error {
	path, err := realGopls()
	if err != nil {
		return err
	}
	return syscall.Exec(path, append([]string{path}, argv[1:]...), os.Environ())
}
