package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The Dockerfile builds a static binary in one stage and runs it as the
// non-root user the Kubernetes example runs as, in the image the example
// names (make image's). (Building with CGO off here costs minutes of
// uncached compiling: make image does it.)
func TestDockerfileAndKubernetesImage(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	stages := regexp.MustCompile(`(?m)^FROM `).FindAllIndex(df, -1)
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage")
	final := string(df[stages[len(stages)-1][0]:])
	user := regexp.MustCompile(`(?m)^USER (\d+)`).FindStringSubmatch(final)
	require.NotNil(t, user, "the final stage sets a numeric USER")
	assert.NotEqual(t, "0", user[1])
	assert.Contains(t, string(df), "CGO_ENABLED=0 go build")

	var k8s struct {
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsNonRoot bool `yaml:"runAsNonRoot"`
						RunAsUser    int  `yaml:"runAsUser"`
					} `yaml:"securityContext"`
					Containers []struct{ Image string } `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
		Kind string `yaml:"kind"`
	}
	f, err := os.Open("../../examples/deploy/kubernetes.yaml")
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	for k8s.Kind != "StatefulSet" {
		require.NoError(t, dec.Decode(&k8s), "a StatefulSet in kubernetes.yaml")
	}
	pod := k8s.Spec.Template.Spec
	assert.True(t, pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, user[1], strconv.Itoa(pod.SecurityContext.RunAsUser), "the pod runs as the image's user")
	mk, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	img := regexp.MustCompile(`(?m)^IMAGE \?= ([^:\s]+):`).FindSubmatch(mk)
	require.NotNil(t, img, "Makefile names the image")
	require.Len(t, pod.Containers, 1)
	assert.True(t, strings.HasPrefix(pod.Containers[0].Image, string(img[1])+":"), "the example runs %s, make image builds %s", pod.Containers[0].Image, img[1])
}
