#!/bin/sh
# ELI's Linux workload, set up and run in the guest (installed as
# /bin/udpwork in the e1000 initramfs; tests/linux/udpflood.c):
# eth0 (the kernel's e1000 driver on the assigned, or Bochs's own, e1000)
# up with an address and a static neighbour, so no ARP is asked and
# nothing is expected back; then udpflood's datagrams to it.
#     udpwork [-m] [-c CYCLES] COUNT [SIZE]   (udpflood's options)
ip link set eth0 up || exit 1
ip addr add 10.0.2.15/24 dev eth0 2>/dev/null
arp -i eth0 -s 10.0.2.2 52:54:00:12:34:57 || exit 1
# The driver's watchdog reports the link up about 2 s later; before it the
# queue does not run.
i=0
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i+1))
done
echo "UDPWORK: eth0 carrier $(cat /sys/class/net/eth0/carrier 2>/dev/null)"
opts=
while [ $# -gt 0 ]; do
	case $1 in
	-m) opts="$opts $1"; shift ;;
	-c) opts="$opts -c $2"; shift 2 ;;
	*) break ;;
	esac
done
# Sent from the CPU the e1000 interrupts (its effective affinity): ELI
# delivers a device interrupt straight to a vCPU in guest mode, while one
# halted takes it in tern (with two vCPUs and the sender on the other,
# most of them went through tern).
irq=$(awk '/eth0/ { sub(":", "", $1); print $1; exit }' /proc/interrupts)
cpu=$(cat /proc/irq/"$irq"/effective_affinity_list 2>/dev/null)
case $cpu in
''|*[!0-9]*) cpu=0 ;;
esac
echo "UDPWORK: sending from CPU $cpu (eth0's interrupt $irq)"
exec taskset "$(printf %x $((1 << cpu)))" udpflood $opts 10.0.2.2 "$@"
