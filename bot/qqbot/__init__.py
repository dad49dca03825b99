"""The official QQ bot API (QQ 开放平台 webhook): the adapter (`adapter`) and its settings."""
