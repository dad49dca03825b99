"""What the outbox tells people (admins), in one place for review."""

CIRCUIT_OPEN = (
    "⚠️ 账号 {account} 连续 {failures} 次发送超时或被风控（{error}），"
    "已暂停群发 {minutes} 分钟，{until} 后自动恢复。请检查该账号是否被限制。"
)
"""The circuit of a bot account opened: sending pauses; told to admins through on_circuit_open."""
