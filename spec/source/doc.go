// Package source supplies the config repo that spec.Load reads, as an fs.FS
// at one commit: a commit of a local Git repository (strata plan --base REF),
// the tip of a branch of a remote cloned into a cache directory (strata run),
// or a plain working directory watched for changes (strata run --watch).
//
// It depends on go-git, never on the git binary, and deliberately does not
// import package spec so that spec stays free of Git.
package source
