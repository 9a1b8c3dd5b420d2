"""Operations that act on hosts: restart, deploy, prune, validated read-only exec, audit log."""
