#!/usr/bin/env bash
# cgroup v2 tier: builds the VM's boot files from the debootstrapped tree (run.sh calls it when
# its image cache has no entry for the current inputs).
#
#   build-image.sh TREE.tar.zst OUTDIR
#
# Writes OUTDIR/disk.img (ext4, raw, sparse), OUTDIR/vmlinuz and OUTDIR/initrd.img, taken from
# the tree's /boot. Inside the image: fstab mounting the 9p shares run.sh passes (the host's JDK
# at its own path, its /etc/java-17-openjdk, and the tier's share at /mnt/tier: the install
# tarball and in-vm-tests.sh), the oneshot corral-tier.service with its boot script, no getty on
# the serial console, fuse and 9p modules loaded at boot, and the busybox root the containers
# run from (/var/lib/corral-tier/root, from the host's static /bin/busybox).
# run.sh keys its cache by this file, guest/*, the tree and busybox, so any change here rebuilds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=$1
out=$2
JDK=/usr/lib/jvm/java-17-openjdk-amd64
JDK_CONF=/etc/java-17-openjdk
SIZE=${CORRAL_TIER_IMAGE_SIZE:-2G}

rootfs=$out/rootfs
mkdir -p "$rootfs"
zstd -q -dc "$tree" | tar -C "$rootfs" --numeric-owner --xattrs -xf -

kver=$(ls "$rootfs/lib/modules" | sort -V | tail -n1)
[ -n "$kver" ] && [ -f "$rootfs/boot/vmlinuz-$kver" ] && [ -f "$rootfs/boot/initrd.img-$kver" ] || {
  echo "build-image.sh: no kernel and initrd in the tree's /boot (linux-image-amd64 not installed?)" >&2
  exit 1
}
cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img"

echo corral-cgv2 >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcorral-cgv2\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
opts=trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose
cat >"$rootfs/etc/fstab" <<EOF
/dev/vda / ext4 rw,errors=remount-ro 0 1
jvm $JDK 9p $opts 0 0
javaconf $JDK_CONF 9p $opts 0 0
tier /mnt/tier 9p $opts 0 0
EOF
mkdir -p "$rootfs$JDK" "$rootfs$JDK_CONF" "$rootfs/mnt/tier"
# What corrald and corralctl run: java on PATH (the JDK itself comes from the host over 9p).
ln -sf "$JDK/bin/java" "$rootfs/usr/bin/java"
printf 'fuse\n9p\n9pnet_virtio\n' >"$rootfs/etc/modules-load.d/corral-tier.conf"
[ -s "$rootfs/etc/machine-id" ] || chroot "$rootfs" systemd-machine-id-setup >/dev/null

install -D -m 0644 "$here/guest/corral-tier.service" "$rootfs/etc/systemd/system/corral-tier.service"
install -D -m 0755 "$here/guest/corral-tier-boot" "$rootfs/usr/local/lib/corral-tier/boot"
systemctl --root="$rootfs" enable -q corral-tier.service
# Nothing reads the serial console but run.sh: no getty there, no first-boot questions.
systemctl --root="$rootfs" mask -q serial-getty@ttyS0.service getty@tty1.service console-getty.service \
  systemd-firstboot.service

# The containers' root: busybox (static) and its applets.
bb=$rootfs/var/lib/corral-tier/root
mkdir -p "$bb"/{bin,sbin,proc,sys,dev,tmp,etc,run,tier}
chmod 1777 "$bb/tmp"
cp /bin/busybox "$bb/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [ -e "$bb/$applet" ] || [ -L "$bb/$applet" ] || ln -s /bin/busybox "$bb/$applet" 2>/dev/null || true
done
printf 'root:x:0:0:root:/:/bin/sh\n' >"$bb/etc/passwd"
printf 'root:x:0:\n' >"$bb/etc/group"
mkdir -p "$rootfs/var/lib/corral-tier/out"

rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
mkfs.ext4 -q -F -L root -d "$rootfs" "$out/disk.img" "$SIZE"
rm -rf --one-file-system "$rootfs"
