/** Whether a process is running. */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: alive, but another user's (a live run's socket will not let us in)
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}
