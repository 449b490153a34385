"""Edge-AI-Tiny builder: bare-metal C with Debian cross toolchains found on PATH, no network.

Per-board data lives in the board JSON (build.cpu, build.mcu, build.ldscript, build.startup,
build.boot2, build.image); per-core flags in CORES; per-architecture toolchains in TOOLCHAINS.
Adding an MCU means a board JSON, a linker script in builder/ldscripts and (if the core has no
startup yet) a startup file in builder/startup -- not new builder logic.

Project options understood here:
  custom_hal_dir = <dir>   build <dir>/<build.core>.c and add <dir> to the include path
  custom_hal = <name>      build <dir>/<name>.c instead (e.g. a simulator stand-in's HAL)
"""

import os
import shlex
import shutil
import sys

from SCons.Script import (  # pylint: disable=import-error
    AlwaysBuild,
    Builder,
    COMMAND_LINE_TARGETS,
    Default,
    DefaultEnvironment,
)

env = DefaultEnvironment()
platform = env.PioPlatform()
board = env.BoardConfig()

BUILDER_DIR = os.path.join(platform.get_dir(), "builder")
sys.path.insert(0, BUILDER_DIR)
import imagetools  # noqa: E402  pylint: disable=wrong-import-position

# --------------------------------------------------------------------------------------------
# Tables: cortex-m0plus (RP2040), cortex-m4 (STM32F446), cortex-m7 (STM32F746 / MPS2 AN500) and
# rv32imc (ESP32-C3) are exercised by boards in boards/.

TOOLCHAINS = {
    "arm": {
        "prefix": "arm-none-eabi-",
        "ccflags": [],
        "linkflags": ["--specs=nano.specs", "--specs=nosys.specs"],
    },
    "riscv": {
        "prefix": "riscv64-unknown-elf-",
        "ccflags": ["--specs=picolibc.specs"],  # picolibc's headers (Debian ships no newlib here)
        "linkflags": ["--specs=picolibc.specs"],
    },
}

CORES = {
    "cortex-m0plus": {"arch": "arm", "flags": ["-mthumb", "-mcpu=cortex-m0plus", "-mfloat-abi=soft"]},
    "cortex-m4": {
        "arch": "arm",
        "flags": ["-mthumb", "-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    },
    "cortex-m7": {
        "arch": "arm",
        "flags": ["-mthumb", "-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"],
    },
    # Not rv32imc_zicsr: GCC 12 would then miss picolibc's rv32imc multilib. CSR accesses say
    # `.option arch, +zicsr` where they are (binutils 2.40 wants Zicsr named).
    "rv32imc": {"arch": "riscv", "flags": ["-march=rv32imc", "-mabi=ilp32"]},
}

cpu = board.get("build.cpu")
if cpu not in CORES:
    sys.stderr.write("edgeaitiny: board %s has build.cpu=%r; known: %s\n"
                     % (env.subst("$BOARD"), cpu, ", ".join(sorted(CORES))))
    env.Exit(1)
core = CORES[cpu]
tc = TOOLCHAINS[core["arch"]]
prefix = tc["prefix"]

# --------------------------------------------------------------------------------------------
# Toolchain and flags

env.Replace(
    AR=prefix + "gcc-ar",
    AS=prefix + "as",
    CC=prefix + "gcc",
    CXX=prefix + "g++",
    GDB=prefix + "gdb",
    OBJCOPY=prefix + "objcopy",
    RANLIB=prefix + "gcc-ranlib",
    SIZETOOL=prefix + "size",
    LINK="$CC",
    ARFLAGS=["rc"],
    PROGSUFFIX=".elf",
    # `size -A` lists sections; PlatformIO sums the groups below for its Flash/RAM lines.
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=r"^(?:\.boot2|\.header|\.entry|\.vectors|\.text|\.rodata|\.ARM\.exidx|\.data)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.noinit|\.stack_dummy)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
)

if env.get("PROGNAME", "program") == "program":
    env.Replace(PROGNAME="firmware")

machine_flags = list(core["flags"])
env.Append(
    ASFLAGS=machine_flags,
    ASPPFLAGS=machine_flags + ["-x", "assembler-with-cpp"],
    CFLAGS=["-std=c99"],
    CCFLAGS=machine_flags + tc["ccflags"] + [
        "-O2",
        "-Wall",
        "-Wextra",
        "-ffunction-sections",
        "-fdata-sections",
        "-fno-common",
        "-ffp-contract=off",  # no fused multiply-add: float kernels keep TFLM's rounding steps
    ],
    CPPDEFINES=[
        ("F_CPU", "$BOARD_F_CPU"),
        "EAT_MCU_" + board.get("build.mcu").upper().replace("-", "_"),
        ("EAT_BOARD", '\\"%s\\"' % env.subst("$BOARD")),
        ("EAT_NUM_IRQS", int(board.get("build.num_irqs", 32))),
    ],
    LINKFLAGS=machine_flags + tc["linkflags"] + [
        "-O2",
        "-nostartfiles",
        "-Wl,--gc-sections",
        "-Wl,--cref",
        "-Wl,-Map,%s" % os.path.join("$BUILD_DIR", "firmware.map"),
    ],
    LIBS=["c", "m", "gcc"],  # m: expf/tanhf for the float SOFTMAX, LOGISTIC and TANH kernels
)

# build_cxxflags / build_cflags: flags for C++ or C sources only (PlatformIO's build_flags reach
# both), e.g. the TFLM engine's -fno-exceptions -fno-rtti. Split like a shell line.
env.Append(CXXFLAGS=shlex.split(env.GetProjectOption("build_cxxflags", "")))
env.Append(CFLAGS=shlex.split(env.GetProjectOption("build_cflags", "")))

# Linker script: PlatformIO sets LDSCRIPT_PATH from build.ldscript (board_build.ldscript in the
# project may override it). A bare name that is not a project file is one of ours.
ldscript = env.subst(env.get("LDSCRIPT_PATH", "") or board.get("build.ldscript", ""))
if ldscript and not os.path.isfile(os.path.join(env.subst("$PROJECT_DIR"), ldscript)):
    ldscript = os.path.join(BUILDER_DIR, "ldscripts", os.path.basename(ldscript))
env.Replace(LDSCRIPT_PATH=ldscript)
env.Append(LIBPATH=[os.path.join(BUILDER_DIR, "ldscripts")])  # for INCLUDE in our scripts

# --------------------------------------------------------------------------------------------
# Extra sources: startup, HAL, boot2 (all linked as objects, so the vector table survives gc).
# build.startup is one file name or several separated by spaces (e.g. an .S entry and a .c).

STARTUP_DIR = os.path.join(BUILDER_DIR, "startup")
startup = board.get("build.startup", "").split()
if startup:
    env.BuildSources(os.path.join("$BUILD_DIR", "edgeaitiny_startup"), STARTUP_DIR,
                     src_filter="-<*> " + " ".join("+<%s>" % name for name in startup))

hal_dir = env.GetProjectOption("custom_hal_dir", "")
if hal_dir:
    hal_dir = os.path.normpath(os.path.join(env.subst("$PROJECT_DIR"), hal_dir))
    hal_src = "%s.c" % (env.GetProjectOption("custom_hal", "") or board.get("build.core"))
    if not os.path.isfile(os.path.join(hal_dir, hal_src)):
        sys.stderr.write("edgeaitiny: custom_hal_dir %s has no %s\n" % (hal_dir, hal_src))
        env.Exit(1)
    env.Append(CPPPATH=[hal_dir])
    env.BuildSources(os.path.join("$BUILD_DIR", "edgeaitiny_hal"), hal_dir,
                     src_filter="-<*> +<%s>" % hal_src)


def _write_boot2_asm(target, source, env):  # pylint: disable=unused-argument
    with open(str(source[0]), "rb") as fp:
        image = imagetools.boot2_image(fp.read())
    with open(str(target[0]), "w", encoding="ascii") as fp:
        fp.write(imagetools.boot2_asm(image))


boot2 = board.get("build.boot2", "")
if boot2:
    # boot2 is linked alone at the SRAM address the bootrom copies it to (it is position
    # independent anyway), turned into raw bytes, padded to 252 and CRC'd, then re-emitted as
    # section .boot2 of the firmware: the CRC is the same in the ELF, the .bin and the .uf2.
    b2dir = os.path.join("$BUILD_DIR", "boot2")
    b2_elf = env.Command(
        os.path.join(b2dir, "boot2.elf"),
        os.path.join(STARTUP_DIR, boot2),
        env.VerboseAction(
            "$CC %s -x assembler-with-cpp -nostdlib -nostartfiles -Wl,-Ttext=0x20041f00 -Wl,-e,_boot2_entry "
            "-Wl,--no-warn-rwx-segments -o $TARGET $SOURCE" % " ".join(machine_flags),
            "Assembling boot2 $SOURCE"),
    )
    b2_bin = env.Command(os.path.join(b2dir, "boot2.bin"), b2_elf,
                         env.VerboseAction("$OBJCOPY -O binary $SOURCE $TARGET", "Extracting $TARGET"))
    b2_asm = env.Command(os.path.join(b2dir, "boot2_crc.S"), b2_bin,
                         env.VerboseAction(_write_boot2_asm, "Padding boot2 and adding its CRC32"))
    env.Append(PIOBUILDFILES=[env.Object(os.path.join(b2dir, "boot2_crc.o"), b2_asm)])

# --------------------------------------------------------------------------------------------
# Images


def _bin_to_uf2(target, source, env):  # pylint: disable=unused-argument
    with open(str(source[0]), "rb") as fp:
        data = fp.read()
    uf2 = imagetools.bin_to_uf2(data, int(board.get("build.uf2_base", "0x10000000"), 0),
                                int(board.get("build.uf2_family_id"), 0))
    with open(str(target[0]), "wb") as fp:
        fp.write(uf2)


env.Append(
    BUILDERS={
        # build.objcopy_bin_flags: e.g. the ESP32-C3 moves its DROM-window sections back to
        # their flash offsets, so the .bin is the flash image.
        "ElfToBin": Builder(
            action=env.VerboseAction("$OBJCOPY -O binary %s $SOURCES $TARGET"
                                     % board.get("build.objcopy_bin_flags", ""), "Building $TARGET"),
            suffix=".bin"),
        "ElfToHex": Builder(
            action=env.VerboseAction("$OBJCOPY -O ihex $SOURCES $TARGET", "Building $TARGET"),
            suffix=".hex"),
        "BinToUf2": Builder(action=env.VerboseAction(_bin_to_uf2, "Building $TARGET"),
                            suffix=".uf2", src_suffix=".bin"),
    }
)

target_elf = env.BuildProgram()
target_bin = env.ElfToBin(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_elf)
target_images = [target_bin]
if board.get("build.image", "") == "uf2":
    target_images.append(env.BinToUf2(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_bin))

AlwaysBuild(env.Alias("nobuild", target_images))
env.Alias("buildprog", target_images, target_images)

target_size = env.Alias("size", target_elf,
                        env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE"))
AlwaysBuild(target_size)



def _copy_to_drive(target, source, env):  # pylint: disable=unused-argument
    """Upload = copy the .uf2 to the RPI-RP2 drive the board mounts in BOOTSEL mode."""
    drive = env.subst("$UPLOAD_PORT")
    if not drive or not os.path.isdir(drive):
        sys.stderr.write("edgeaitiny: hold BOOTSEL while plugging the board in, then set "
                         "upload_port to the mounted RPI-RP2 directory (got %r)\n" % drive)
        return 1
    shutil.copy(str(source[0]), drive)
    return 0


if board.get("build.image", "") == "uf2":
    env.Replace(UPLOAD_PROTOCOL="mass-storage")
    AlwaysBuild(env.Alias("upload", target_images[-1], env.VerboseAction(
        _copy_to_drive, "Copying $SOURCE to $UPLOAD_PORT")))

Default([target_images] if "nobuild" not in COMMAND_LINE_TARGETS else [])
