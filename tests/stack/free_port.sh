# free_port.sh - sourced: free_port prints a TCP port nobody listens on,
# for stacks that must not meet each other.  It is drawn below the kernel's
# ephemeral range (net.ipv4.ip_local_port_range), so that no outgoing
# connection can hold it between this check and the server's bind: a port
# inside that range can be taken as the local end of any connect(), and
# nginx then fails with EADDRINUSE.
free_port() {
	local p lo=32768 span
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 21024 ] 2>/dev/null || lo=32768
	span=$((lo - 20000))
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % span))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
